import MantaABI
import MantaMarket

/// AEMO's own forecast: the latest pre-dispatch run published by the time
/// of the decision (LASTCHANGED at or before the observation's clock), its
/// 30-minute period prices spread over the 5-minute intervals they hold.
/// A run published later is never read, so the forecaster cannot look
/// ahead; where the run does not reach, it answers NaN (MPC then plans on
/// the current price) .
public final class PredispatchForecaster: Forecaster {
    public var name: String { "predispatch" }
    public let runs: PredispatchRuns
    /// The sequence of the run used by the last forecast (for tests and reports).
    public private(set) var lastRun: String?

    public init(_ runs: PredispatchRuns) { self.runs = runs }

    public func forecast(_ obs: Observation, horizon: Int, into out: inout [Double]) {
        out.removeAll(keepingCapacity: true)
        let run = runs.latest(at: obs.nowMs)
        lastRun = run?.sequence
        for k in 0..<max(0, horizon) {
            out.append(run?.rrp(forIntervalEnding: obs.intervalEndMs + Int64(k + 1) * MarketTime.intervalMs) ?? .nan)
        }
    }
}
