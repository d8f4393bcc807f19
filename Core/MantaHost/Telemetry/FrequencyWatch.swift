import MantaEngine
import MantaModel

/// Frequency events, from what the fleet's frequency-responsive devices
/// measure and do: the moment one of them reads a frequency outside the
/// normal operating band (49.85-50.15 Hz) an event opens, each device's
/// power just before it is its baseline, and its power is taken again at
/// 1 s, 6 s, 60 s and 5 min (the sample nearest each mark), the time frames
/// of the four contingency services. Five minutes on, the event goes to `onEvent` (the
/// verification report) and the next excursion may open another.
///
/// Sample-driven, with no timers: an event is timed by the devices' own
/// sample times, so it reads the same under any clock speed. One event is
/// open at a time for the whole host.
@LoopActor
final class FrequencyWatch {
    /// What the responsive devices did around one excursion.
    struct Event: Sendable {
        var startMs: Int64
        /// Under-frequency (the raise services answer), else over-frequency.
        var low: Bool
        /// The lowest (low) or highest frequency measured within 5 min.
        var extremeHz: Double
        /// Each device's power just before the event, W.
        var baselineW: [UInt32: Double]
        /// At each of `offsetsS`: each device's power, W (missing when it
        /// sent none), and the frequency measured then.
        var powerW: [[UInt32: Double]]
        var hz: [Double]
    }

    /// When delivery is measured, seconds after the event starts.
    static let offsetsS: [Int64] = [1, 6, 60, 300]
    /// How long past the last offset a device that has not reported is waited for.
    static let graceMs: Int64 = 10_000
    /// A mark is read from the first sample from this long before it: with
    /// readings once a second, the one nearest the mark.
    static let markToleranceMs: Int64 = 500

    /// An event opened at this host time (what was enabled then is what it is verified against).
    var onOpen: (@LoopActor (Int64) -> Void)?
    var onEvent: (@LoopActor (Event) -> Void)?
    let hzPoint: UInt32
    let powerPoint: UInt32
    /// Each responsive device's last two power readings (time, W).
    private var power: [UInt32: (last: (t: Int64, w: Double), before: (t: Int64, w: Double)?)] = [:]
    private var open: Event?
    private(set) var events = 0

    init(catalog: PointCatalog) {
        hzPoint = catalog["ac.hz"]?.id ?? UInt32.max
        powerPoint = catalog["ac.w"]?.id ?? UInt32.max
    }

    /// A reading of `hzPoint` or `powerPoint` from a responsive device.
    func sample(_ device: UInt32, point: UInt32, value: Double, timeMs t: Int64) {
        guard value.isFinite else { return }
        if point == powerPoint { powerReading(device, value, t) } else if point == hzPoint { frequencyReading(value, t) }
        if let e = open, t >= e.startMs + Self.offsetsS.last! * 1000 {
            let complete = e.powerW.last!.count >= e.baselineW.count && !e.hz.last!.isNaN
            if complete || t >= e.startMs + Self.offsetsS.last! * 1000 + Self.graceMs { close() }
        }
    }

    private func powerReading(_ d: UInt32, _ w: Double, _ t: Int64) {
        let previous = power[d]?.last
        power[d] = ((t, w), previous)
        guard var e = open, e.baselineW[d] != nil else { return }
        for (k, o) in Self.offsetsS.enumerated() where e.powerW[k][d] == nil && t >= Self.mark(e, o) { e.powerW[k][d] = w }
        open = e
    }

    private func frequencyReading(_ f: Double, _ t: Int64) {
        guard var e = open else {
            if !FrequencyDroop.band.contains(f) { begin(at: t, low: f < FrequencyDroop.band.lowerBound, hz: f) }
            return
        }
        if t <= e.startMs + Self.offsetsS.last! * 1000 { e.extremeHz = e.low ? min(e.extremeHz, f) : max(e.extremeHz, f) }
        for (k, o) in Self.offsetsS.enumerated() where e.hz[k].isNaN && t >= Self.mark(e, o) { e.hz[k] = f }
        open = e
    }

    private static func mark(_ e: Event, _ offsetS: Int64) -> Int64 { e.startMs + offsetS * 1000 - markToleranceMs }

    /// Opens an event at `t`: each device's baseline is its last reading
    /// before `t` (a reading at `t` itself may already hold a response).
    private func begin(at t: Int64, low: Bool, hz: Double) {
        var baseline: [UInt32: Double] = [:]
        for (d, p) in power {
            if p.last.t < t { baseline[d] = p.last.w } else if let b = p.before, b.t < t { baseline[d] = b.w }
        }
        open = Event(startMs: t, low: low, extremeHz: hz, baselineW: baseline,
                     powerW: Array(repeating: [:], count: Self.offsetsS.count),
                     hz: Array(repeating: .nan, count: Self.offsetsS.count))
        onOpen?(t)
    }

    private func close() {
        guard let e = open else { return }
        open = nil
        events += 1
        onEvent?(e)
    }
}
