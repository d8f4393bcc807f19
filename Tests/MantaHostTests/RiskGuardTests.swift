import MantaABI
import MantaJSON
import MantaModel
import MantaTestSupport
import Testing
@testable import MantaHost

/// The risk guard intercepts each kind of anomalous decision, writes each
/// interception as an audit row, and its breakers hold until reset.
@Suite struct RiskGuardInterception {
    static let end: Int64 = 1_658_037_900_000

    @LoopActor static func guardWithStore(_ limits: [String: JSON]) throws -> (RiskGuard, StorePipeline, StoreWriter, String) {
        let folder = TestPaths.temporaryFolder("risk")
        let writer = try StoreWriter(path: "\(folder)/m.db", synchronous: .normal)
        let store = StorePipeline(writer: writer, run: 1, commitIntervalMs: 1000, maxSamples: 1000)
        let clock = HostClock(.replay(startMs: end, speed: 1))
        let events = EventLog(store: store, logger: Logger(level: .error), clock: clock)
        let config = try HostConfig(json: ["trading": ["risk": .object(JSONObject(limits.sorted { $0.key < $1.key }))]],
                                    path: "\(folder)/manta.json")
        return (RiskGuard(limits: config.trading.risk, store: store, events: events, clock: clock), store, writer, "\(folder)/m.db")
    }

    static func obs(price: Double, at k: Int = 0) -> Observation {
        let a = AssetState(id: "homes/h1.battery", kind: .battery, soc: 0.5, capacityWh: 13_500, maxChargeW: 5000,
                           maxDischargeW: 5000, socMin: 0.1, socMax: 0.95, powerW: 0, roundTripEfficiency: 0.9)
        let e = end + Int64(k) * 300_000
        return Observation(nowMs: e - 300_000, intervalEndMs: e, intervalMs: 300_000, deadlineMs: e, vpp: "v", region: "VIC1",
                           price: price, priceHistory: [], assets: [a, a])
    }

    @Test @LoopActor func everyKindOfAnomalyIsInterceptedAndAudited() throws {
        let (risk, store, writer, path) = try Self.guardWithStore(["buy_above": 300, "sell_below": 0, "max_jump_ratio": 10,
                                                                   "max_flips": 2, "flip_window_intervals": 3])
        // Not a power, and over a 5 kW rating: each asset held back alone.
        var r = risk.review(vpp: "v", obs: Self.obs(price: 50), targets: [.nan, 9000])
        #expect(r.targets == [0, 5000] && r.note?.contains("not a power") == true && r.note?.contains("beyond its rating") == true)
        // A units slip: 2,000 times the VPP's 10 kW.
        r = risk.review(vpp: "v", obs: Self.obs(price: 50, at: 1), targets: [1e7, 1e7])
        #expect(r.targets == [0, 0] && r.note?.contains("MW asked of a VPP rated") == true)
        // Buying above buy_above, selling below sell_below.
        r = risk.review(vpp: "v", obs: Self.obs(price: 400, at: 2), targets: [-5000, 2000])
        #expect(r.targets == [0, 2000])
        r = risk.review(vpp: "v", obs: Self.obs(price: -20, at: 3), targets: [3000, -1000])
        #expect(r.targets == [0, -1000])
        // Another VPP's fleet goes +, -, +: two flips within three intervals, the second held.
        #expect(risk.review(vpp: "w", obs: Self.obs(price: 50), targets: [3000, 3000]).note == nil)
        #expect(risk.review(vpp: "w", obs: Self.obs(price: 50, at: 1), targets: [-3000, -3000]).note == nil)
        r = risk.review(vpp: "w", obs: Self.obs(price: 50, at: 2), targets: [3000, 3000])
        #expect(r.targets == [0, 0] && r.note?.contains("flipped 2 times") == true)
        // The jump's interval is over every rating too: each asset counted, then the whole held.
        #expect(risk.state("v").interceptions == ["not_a_power": 1, "over_rating": 3, "jump": 1, "price_band": 2])
        #expect(risk.state("w").interceptions == ["flip": 1])
        store.close()
        _ = writer.flush()
        let audits = try SQLiteDatabase(path: path, readOnly: true).scalar(
            "SELECT COUNT(*) FROM audit_log WHERE principal = 'risk-guard' AND method = 'risk.intercept'")
        #expect(audits == 8)
        writer.close()
    }

    @Test @LoopActor func aRampLimitHoldsEachMoveOfTheFleetToAShareOfItsRating() throws {
        let (risk, store, writer, _) = try Self.guardWithStore(["max_ramp_fraction": 0.25])  // 2.5 kW of the 10 kW VPP
        #expect(risk.review(vpp: "v", obs: Self.obs(price: 50), targets: [5000, 5000]).targets == [1250, 1250])
        let second = risk.review(vpp: "v", obs: Self.obs(price: 50, at: 1), targets: [5000, 3000])
        #expect(second.targets == [3125, 1875] && second.note?.contains("held to 0.005 MW") == true)
        // A reversal beyond the limit holds; holding is always allowed; within the limit passes as asked.
        #expect(risk.review(vpp: "v", obs: Self.obs(price: 50, at: 2), targets: [-5000, -5000]).targets == [0, 0])
        #expect(risk.review(vpp: "v", obs: Self.obs(price: 50, at: 3), targets: [-1000, -1000]).note == nil)
        #expect(risk.state("v").interceptions == ["ramp": 3])
        store.close()
        writer.close()
    }

    @Test @LoopActor func strategyFailuresInARowTripTheBreakerUntilReset() throws {
        let (risk, store, writer, _) = try Self.guardWithStore(["max_strategy_errors": 3])
        risk.strategyFailed(vpp: "v", "timeout")
        risk.strategyFailed(vpp: "v", "timeout")
        _ = risk.review(vpp: "v", obs: Self.obs(price: 50), targets: [0, 0])  // a success resets the count
        for _ in 0..<3 { risk.strategyFailed(vpp: "v", "segfault in decide()") }
        #expect(risk.tripped("v")?.reason.contains("failed 3 times in a row") == true)
        let held = risk.review(vpp: "v", obs: Self.obs(price: 50, at: 1), targets: [5000, 5000])
        #expect(held.targets == [0, 0] && held.note?.contains("breaker tripped") == true)
        #expect(risk.reset(vpp: "v"))
        #expect(risk.review(vpp: "v", obs: Self.obs(price: 50, at: 2), targets: [5000, 5000]).targets == [5000, 5000])
        store.close()
        writer.close()
    }
}
