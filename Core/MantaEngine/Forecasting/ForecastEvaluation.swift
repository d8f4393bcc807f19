import MantaABI
import MantaMarket

/// How well a forecaster predicts, scored walk-forward: it is run through
/// a price history interval by interval, shown at each decision exactly
/// what a strategy would be shown (the interval's price and those before
/// it), and each forecast is scored against the price that later came.
/// Every forecaster learns only from what it has been shown, so every
/// forecast is out of sample: trained on what came before, tested on what
/// follows, never the reverse.
public enum ForecastEvaluation {
    /// The errors at one horizon (intervals ahead of the decided one), AUD/MWh.
    public struct HorizonError: Sendable, Equatable {
        public var horizon: Int
        /// Forecasts scored: both the forecast and the price that came are known.
        public var count: Int
        public var meanAbsoluteError: Double
        public var rootMeanSquareError: Double
        /// Mean of forecast - actual: > 0 over-forecasts.
        public var bias: Double
        /// Forecasts the forecaster had no idea about (NaN).
        public var missing: Int
    }

    /// Scores `forecaster` on `prices` at each of `horizons` (1 = the next
    /// interval). `history` earlier prices are shown with each decision.
    public static func run(_ prices: PriceFile, forecaster: Forecaster, horizons: [Int], history: Int = 288) throws -> [HorizonError] {
        let (firstEnd, rrp) = Backtest.grid(prices)
        let longest = horizons.max() ?? 0
        var sums = horizons.map { _ in (n: 0, abs: 0.0, sq: 0.0, diff: 0.0, missing: 0) }
        var obs = Observation(nowMs: 0, intervalEndMs: 0, intervalMs: MarketTime.intervalMs, deadlineMs: 0, vpp: "forecast",
                              region: prices.region.code, price: .nan, priceHistory: [], assets: [])
        var out: [Double] = []
        for i in rrp.indices where rrp[i].isFinite {
            let end = firstEnd + Int64(i) * MarketTime.intervalMs
            obs.nowMs = end - MarketTime.intervalMs
            obs.intervalEndMs = end
            obs.deadlineMs = end
            obs.price = rrp[i]
            obs.priceHistory = rrp[max(0, i - history)..<i]
            try forecaster.forecast(obs, horizon: longest, into: &out)
            for (k, h) in horizons.enumerated() where i + h < rrp.count && rrp[i + h].isFinite {
                let f = h - 1 < out.count ? out[h - 1] : .nan
                guard f.isFinite else {
                    sums[k].missing += 1
                    continue
                }
                let e = f - rrp[i + h]
                sums[k].n += 1
                sums[k].abs += Swift.abs(e)
                sums[k].sq += e * e
                sums[k].diff += e
            }
        }
        return zip(horizons, sums).map { h, s in
            let n = Double(max(1, s.n))
            return HorizonError(horizon: h, count: s.n, meanAbsoluteError: s.n > 0 ? s.abs / n : .nan,
                                rootMeanSquareError: s.n > 0 ? (s.sq / n).squareRoot() : .nan, bias: s.n > 0 ? s.diff / n : .nan,
                                missing: s.missing)
        }
    }
}
