import MantaABI

/// A forecaster that knows the future: the true prices. For research only,
/// like the perfect-foresight bound: `mpc-oracle` shows how much an MPC
/// could capture with perfect forecasts at a given horizon, which says how
/// much is left to win by forecasting better. Never a contender.
public final class OracleForecaster: Forecaster {
    public var name: String { "oracle" }
    private let firstEndMs: Int64
    private let prices: [Double]

    /// `prices` on the 5-minute grid from `firstEndMs`.
    public init(firstEndMs: Int64, prices: [Double]) {
        self.firstEndMs = firstEndMs
        self.prices = prices
    }

    public func forecast(_ obs: Observation, horizon: Int, into out: inout [Double]) {
        out.removeAll(keepingCapacity: true)
        for k in 1...max(1, horizon) where k <= horizon {
            let i = Int((obs.intervalEndMs + Int64(k) * 300_000 - firstEndMs) / 300_000)
            out.append(i >= 0 && i < prices.count ? prices[i] : .nan)
        }
    }
}
