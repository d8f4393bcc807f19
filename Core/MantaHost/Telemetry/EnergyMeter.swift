import MantaMarket

/// Metered energy of the fleet's storage, by device and market interval,
/// from the AC power each one reports (`ac.w`, + = discharge).
///
/// Between two readings a device is taken to hold the earlier one (what it
/// was told to do, and what its meter last said): the energy of an interval
/// is the sum of power x time over the part of it that readings cover.
/// A gap longer than `maxGapMs` (the fleet's freshness rule) is not bridged,
/// so a device that went quiet is metered for less of the interval, and its
/// `coveredMs` says how much. An interval is closed once, when it is
/// settled; readings arriving for it later are not counted.
@LoopActor
final class EnergyMeter {
    /// One device's interval.
    struct Reading: Sendable, Equatable {
        /// Net energy, Wh, + = exported.
        var energyWh = 0.0
        /// Energy discharged (the positive part), Wh.
        var dischargedWh = 0.0
        /// Time covered by readings, ms (at most one interval).
        var coveredMs: Int64 = 0
    }

    private let maxGapMs: Int64
    /// The last reading of each device: held until the next.
    private var last: [UInt32: (timeMs: Int64, w: Double)] = [:]
    /// Open intervals by end, each device's part.
    private var open: [Int64: [UInt32: Reading]] = [:]
    /// Interval ends at or before this are closed.
    private var closedThrough = Int64.min
    /// Open intervals kept at most (a day): a clock jump cannot grow it.
    static let maxOpen = 288

    init(maxGapMs: Int64) {
        self.maxGapMs = maxGapMs
    }

    /// Devices read so far.
    var devices: Int { last.count }

    /// A power reading of `device`, W at `timeMs`.
    func reading(_ device: UInt32, w: Double, timeMs t: Int64) {
        guard w.isFinite else { return }
        if let p = last[device] {
            guard t > p.timeMs else { return }  // late or repeated: the held value stands
            if t - p.timeMs <= maxGapMs { integrate(device, from: p.timeMs, to: t, w: p.w) }
        }
        last[device] = (t, w)
    }

    /// Closes the interval ending at `end`: each device's energy, its held
    /// reading carried up to the end where it is fresh enough. Returns the
    /// devices' readings (none when already closed).
    func close(intervalEndingAt end: Int64) -> [UInt32: Reading] {
        guard end > closedThrough else { return [:] }
        for (device, p) in last where p.timeMs < end && end - p.timeMs <= maxGapMs {
            integrate(device, from: p.timeMs, to: end, w: p.w)
            last[device] = (end, p.w)
        }
        closedThrough = end
        let readings = open.removeValue(forKey: end) ?? [:]
        for e in open.keys where e <= end { open[e] = nil }
        return readings
    }

    /// Adds `w` held over [from, to) to the intervals it spans.
    private func integrate(_ device: UInt32, from: Int64, to: Int64, w: Double) {
        var a = max(from, closedThrough)
        while a < to {
            let end = MarketTime.intervalEnd(containing: a)
            let b = min(to, end)
            if open[end] == nil {
                guard open.count < Self.maxOpen else { return }
                open[end] = [:]
            }
            let hours = Double(b - a) / 3_600_000
            open[end, default: [:]][device, default: Reading()].add(w * hours, ms: b - a)
            a = b
        }
    }
}

extension EnergyMeter.Reading {
    mutating func add(_ wh: Double, ms: Int64) {
        energyWh += wh
        if wh > 0 { dischargedWh += wh }
        coveredMs += ms
    }
}
