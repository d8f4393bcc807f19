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

    /// One device: its last reading, held until the next, the interval it
    /// is filling now (kept inline: the ingest path's common case touches
    /// nothing else) and earlier ones not yet closed (the interval closes
    /// a few seconds after its end, while the next one fills).
    private struct Slot {
        var timeMs = Int64.min
        var w = 0.0
        var end = Int64.min
        var current = Reading()
        var earlier: [(end: Int64, reading: Reading)] = []
    }

    private let maxGapMs: Int64
    /// By device number (numbers are dense, from 1): the ingest path pays
    /// an array index per sample, not a hash.
    private var slots: [Slot] = []
    /// Interval ends at or before this are closed.
    private var closedThrough = Int64.min
    /// Open intervals a device holds at most: a clock jump cannot grow it.
    static let maxOpen = 288
    /// Device numbers beyond this are not metered (a fleet is far smaller).
    static let maxDevice: UInt32 = 1 << 24

    init(maxGapMs: Int64) {
        self.maxGapMs = maxGapMs
    }

    /// A power reading of `device`, W at `timeMs`.
    func reading(_ device: UInt32, w: Double, timeMs t: Int64) {
        guard w.isFinite, device < Self.maxDevice else { return }
        let i = Int(device)
        if i >= slots.count { slots.append(contentsOf: repeatElement(Slot(), count: i + 1 - slots.count)) }
        let last = slots[i].timeMs
        if last != .min {
            guard t > last else { return }  // late or repeated: the held value stands
            if t - last <= maxGapMs { integrate(&slots[i], from: last, to: t) }
        }
        slots[i].timeMs = t
        slots[i].w = w
    }

    /// Closes the interval ending at `end`: each device's energy, its held
    /// reading carried up to the end where it is fresh enough. Returns the
    /// devices' readings (none when already closed).
    func close(intervalEndingAt end: Int64) -> [UInt32: Reading] {
        guard end > closedThrough else { return [:] }
        var out: [UInt32: Reading] = [:]
        for i in slots.indices where slots[i].timeMs != .min {
            if slots[i].timeMs < end && end - slots[i].timeMs <= maxGapMs {
                integrate(&slots[i], from: slots[i].timeMs, to: end)
                slots[i].timeMs = end
            }
            if slots[i].end == end {
                out[UInt32(i)] = slots[i].current
            } else if let k = slots[i].earlier.firstIndex(where: { $0.end == end }) {
                out[UInt32(i)] = slots[i].earlier[k].reading
            }
            if slots[i].end <= end {
                slots[i].end = .min
                slots[i].current = Reading()
            }
            if !slots[i].earlier.isEmpty { slots[i].earlier.removeAll { $0.end <= end } }
        }
        closedThrough = end
        return out
    }

    /// Adds the slot's held power over [from, to) to the intervals it spans.
    private func integrate(_ s: inout Slot, from: Int64, to: Int64) {
        var a = max(from, closedThrough)
        while a < to {
            let end = MarketTime.intervalEnd(containing: a)
            let b = min(to, end)
            let wh = s.w * Double(b - a) / 3_600_000
            if end == s.end {
                s.current.add(wh, ms: b - a)
            } else if end > s.end {
                // A new interval: the one filled so far waits to be closed.
                if s.end != .min, s.earlier.count < Self.maxOpen { s.earlier.append((s.end, s.current)) }
                s.end = end
                s.current = Reading()
                s.current.add(wh, ms: b - a)
            } else if let k = s.earlier.lastIndex(where: { $0.end == end }) {
                s.earlier[k].reading.add(wh, ms: b - a)
            }
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
