/// A circuit breaker on realised loss: it trips when what a fleet earned
/// over the trailing `windowIntervals` settled intervals falls below
/// -`maxLossAUD`, and stays tripped until reset.
///
/// The backtester holds a tripped fleet for the rest of the run; the live
/// host's risk guard holds a tripped VPP until an operator's risk.reset.
/// One rule for both, so a backtest shows what the live guard would do.
public struct LossBreaker: Sendable, Equatable {
    public let maxLossAUD: Double
    public let windowIntervals: Int
    /// The window's interval totals, a ring of `windowIntervals`.
    private var ring: [Double]
    private var next = 0
    /// The window's sum, kept exactly: re-added from the ring when it
    /// wraps, so that rounding cannot drift over a long run.
    public private(set) var windowAUD = 0.0
    /// When it tripped (interval end, ms) and the window's total then.
    public private(set) var trippedAtMs: Int64?
    public private(set) var trippedAtAUD: Double?

    public init(maxLossAUD: Double, windowIntervals: Int) {
        self.maxLossAUD = maxLossAUD
        self.windowIntervals = max(1, windowIntervals)
        ring = []
        ring.reserveCapacity(self.windowIntervals)
    }

    public var tripped: Bool { trippedAtMs != nil }

    /// Adds an interval's settled total (AUD, + = earned); true when this
    /// interval trips it.
    @discardableResult
    public mutating func record(totalAUD: Double, intervalEndMs: Int64) -> Bool {
        let v = totalAUD.isFinite ? totalAUD : 0
        if ring.count < windowIntervals {
            ring.append(v)
            windowAUD += v
        } else {
            windowAUD += v - ring[next]
            ring[next] = v
            next = (next + 1) % windowIntervals
            if next == 0 { windowAUD = ring.reduce(0, +) }
        }
        guard !tripped, windowAUD < -maxLossAUD else { return false }
        trippedAtMs = intervalEndMs
        trippedAtAUD = windowAUD
        return true
    }

    /// Clears the trip and the window.
    public mutating func reset() {
        ring.removeAll(keepingCapacity: true)
        next = 0
        windowAUD = 0
        trippedAtMs = nil
        trippedAtAUD = nil
    }
}
