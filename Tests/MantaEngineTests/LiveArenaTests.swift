import MantaABI
import MantaEngine
import MantaMarket
import MantaModel
import Testing

/// The live arena's scoring and switching rules, interval by interval, on
/// one 5 kW / 10 kWh battery: shadow fleets, the trailing window, the
/// minimum tenure and the hysteresis.
@Suite struct LiveArenaRules {
    static let start = MarketTime.parse("2022-07-17 16:05")!

    func observation(_ i: Int, price: Double, soc: Double = 0.5) -> Observation {
        let a = AssetState(id: "b", kind: .battery, soc: soc, capacityWh: 10_000, maxChargeW: 5000, maxDischargeW: 5000,
                          socMin: 0, socMax: 1, powerW: 0, roundTripEfficiency: 1)
        let end = Self.start + Int64(i) * MarketTime.intervalMs
        return Observation(nowMs: end - MarketTime.intervalMs, intervalEndMs: end, intervalMs: MarketTime.intervalMs,
                                   deadlineMs: end, vpp: "v", region: "VIC1", price: price, priceHistory: [][...], assets: [a])
    }

    func arena(window: Int = 6, tenure: Int = 3, hysteresis: Double = 0.1, champion: String = "idle") -> LiveArena {
        LiveArena(config: LiveArena.Rules(windowIntervals: window, hysteresis: hysteresis, minTenureIntervals: tenure),
                  contenders: [("idle", 0), ("seller", 1), ("half", 2)], champion: champion)
    }

    /// One interval at `price`: idle holds, seller discharges 5 kW, half 2.5 kW.
    func round(_ a: LiveArena, _ i: Int, price: Double) -> LiveArena.Switch? {
        let obs = observation(i, price: price)
        for c in 0..<3 { _ = a.observation(for: c, obs) }
        a.answered(0, [0])
        a.answered(1, [5000])
        a.answered(2, [2500])
        return a.settle(obs, hours: 1.0 / 12)
    }

    @Test func theBestChallengerTakesOverOnlyAfterTheMinimumTenure() {
        let a = arena()
        // 5 kW for 5 minutes at 120 AUD/MWh earns 0.05 AUD.
        for i in 0..<2 { #expect(round(a, i, price: 120) == nil) }
        let s = round(a, 2, price: 120)
        #expect(s?.from == "idle" && s?.to == "seller")
        #expect(a.championName == "seller")
        // Score: revenue per MW over the window: 3 intervals x 0.05 AUD / 0.005 MW.
        #expect(abs((s?.toScore ?? 0) - 30) < 1e-9)
        #expect(s?.fromScore == 0)
    }

    @Test func aChallengerMustBeatTheChampionByTheHysteresis() {
        // Seller earns twice what half earns: 100% better.
        let patient = arena(tenure: 1, hysteresis: 1.5, champion: "half")
        for i in 0..<10 { #expect(round(patient, i, price: 100) == nil) }
        #expect(patient.championName == "half")
        let eager = arena(tenure: 1, hysteresis: 0.5, champion: "half")
        let s = round(eager, 0, price: 100)
        #expect(s?.from == "half" && s?.to == "seller")
        #expect(abs((s?.toScore ?? 0) - 2 * (s?.fromScore ?? 0)) < 1e-9)
    }

    @Test func shadowFleetsRunOutOfEnergyAndTheScoreForgetsOldIntervals() {
        // Seller empties its 5 kWh (above SOC 0.5 of 10 kWh) in 12 intervals
        // at 5 kW; after that it earns nothing, and with a window of 6 its
        // score falls to zero six intervals later.
        let a = arena(window: 6, tenure: 1000)
        for i in 0..<12 { _ = round(a, i, price: 100) }
        let seller = a.contenders[1]
        #expect(abs(seller.shadow[0]) < 1e-6)
        #expect(abs(a.score(1) - 6 * 100 * 0.005 / 12 / 0.005) < 1e-9)
        for i in 12..<18 { _ = round(a, i, price: 100) }
        #expect(abs(a.score(1)) < 1e-9)
        #expect(abs(a.contenders[1].total - 12 * 100 * 0.005 / 12) < 1e-9)
        // Half took twice as long to empty and is still earning.
        #expect(a.score(2) > 0)
    }

    @Test func aFailedAnswerHoldsInTheShadowAndIsCounted() {
        let a = arena(tenure: 1000)
        let obs = observation(0, price: 300)
        for c in 0..<3 { _ = a.observation(for: c, obs) }
        a.answered(0, [0])
        a.answered(1, nil)
        a.answered(2, [2500])
        _ = a.settle(obs, hours: 1.0 / 12)
        #expect(a.contenders[1].failures == 1 && a.contenders[1].total == 0)
        #expect(a.contenders[1].shadow[0] == 5000)
        #expect(a.contenders[2].shadow[0] < 5000)
    }
}
