import MantaABI
import MantaMarket
import Testing
@testable import MantaEngine

/// The pre-dispatch forecaster reads only runs published by the time of the decision.
@Suite struct PredispatchForecasting {
    /// Runs published every 30 minutes from `start`, each forecasting 8 periods at `price(run, period)`.
    func runs(start: Int64, count: Int, price: (Int, Int) -> Double) -> PredispatchRuns {
        PredispatchRuns(region: .sa1, runs: (0..<count).map { k in
            let published = start + Int64(k) * 1_800_000 + 60_000
            let ends = (1...8).map { start + Int64(k) * 1_800_000 + Int64($0) * 1_800_000 }
            return PredispatchRuns.Run(sequence: "run\(k)", publishedMs: published, periodEndMs: ends,
                                       rrp: (0..<8).map { price(k, $0) }, fcas: Array(repeating: FCASPrices(), count: 8))
        })
    }

    @Test func neverUsesARunBeforeItsLastChangedAndMPCDecisionsBeforeItStay() throws {
        let prices = day(from: 1_656_597_600_000, count: 288)
        let start = prices.points[0].intervalEndMs - MarketTime.intervalMs
        let honest = runs(start: start, count: 48) { k, p in Double((k * 7 + p * 13) % 90) }
        var rewritten = honest
        let cut = 20  // runs 20 on are published 10 hours in and later
        for k in cut..<rewritten.runs.count { rewritten.runs[k].rrp = rewritten.runs[k].rrp.map { _ in 15_000 } }
        let f = PredispatchForecaster(honest)
        var out: [Double] = []
        var o = Observation(nowMs: honest.runs[cut].publishedMs - 1, intervalEndMs: 0, intervalMs: MarketTime.intervalMs,
                            deadlineMs: 0, vpp: "v", region: "SA1", price: 50, priceHistory: [], assets: [])
        o.intervalEndMs = o.nowMs + 1 + MarketTime.intervalMs
        f.forecast(o, horizon: 12, into: &out)
        #expect(f.lastRun == "run\(cut - 1)")
        o.nowMs += 1
        f.forecast(o, horizon: 12, into: &out)
        #expect(f.lastRun == "run\(cut)")

        let b = [battery(powerMW: 1, energyMWh: 2, rt: 0.9, soc0: 0.5)]
        let a = try Backtest.run(Backtest.Input(prices: prices, fleet: b), strategy: MPCStrategy(forecaster: PredispatchForecaster(honest)))
        let z = try Backtest.run(Backtest.Input(prices: prices, fleet: b), strategy: MPCStrategy(forecaster: PredispatchForecaster(rewritten)))
        // Intervals starting before run 20's publication decide the same; later ones see the rewritten runs.
        let before = Int((honest.runs[cut].publishedMs - start) / MarketTime.intervalMs)
        #expect(Array(a.series.powerMW[..<before]) == Array(z.series.powerMW[..<before]))
        #expect(a.series.powerMW[before...] != z.series.powerMW[before...])
    }
}
