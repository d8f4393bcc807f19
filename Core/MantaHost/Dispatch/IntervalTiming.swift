import MantaIO

/// How fast one interval reached the fleet, measured on every interval:
/// from the decision to the last batch handed to a driver (`dispatch_us`)
/// and to the last driver's answer back on the loop (`applied_us`), in
/// wall-clock microseconds. Known once every driver of the interval has
/// answered (or was found not running).
@LoopActor
final class IntervalTiming {
    private let intervalID: Int64
    private let decidedNs: UInt64
    private var waiting: Int
    private var lastHandedNs: UInt64 = 0

    init(intervalID: Int64, decidedNs: UInt64, drivers: Int) {
        self.intervalID = intervalID
        self.decidedNs = decidedNs
        waiting = drivers
    }

    /// One driver has answered; `handedNs` is when its batch was handed to
    /// it (0: it never was). Returns the interval's figures after the last.
    @discardableResult
    func answered(handedNs: UInt64) -> IntervalTimingRow? {
        lastHandedNs = max(lastHandedNs, handedNs)
        waiting -= 1
        guard waiting == 0 else { return nil }
        let now = WallClock.monotonicNs()
        func micros(_ ns: UInt64) -> Int64 { ns > decidedNs ? Int64((ns - decidedNs) / 1000) : 0 }
        return IntervalTimingRow(intervalID: intervalID, dispatchMicros: micros(lastHandedNs), appliedMicros: micros(now))
    }
}

extension IntervalTiming {
    /// One driver's setpoints sent one call each (a driver without batches,
    /// or the benchmark's reference): the driver has answered once all have.
    @LoopActor
    final class Fanout {
        private var waiting: Int
        private(set) var lastHandedNs: UInt64 = 0

        init(count: Int) { waiting = count }

        /// One call answered; true after the last.
        func answered(handedNs: UInt64) -> Bool {
            lastHandedNs = max(lastHandedNs, handedNs)
            waiting -= 1
            return waiting == 0
        }
    }
}
