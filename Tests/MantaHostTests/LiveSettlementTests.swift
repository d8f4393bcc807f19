import MantaABI
import MantaEngine
import MantaJSON
import MantaMarket
import MantaTestSupport
import Testing
@testable import MantaHost

/// A live settlement over one VPP holding half of device 1, with a real
/// store, from the interval before `end`.
@LoopActor
struct SettlementFixture {
    let writer: StoreWriter
    let store: StorePipeline
    let path: String
    let vpp: VPPRuntime
    let meter = EnergyMeter(maxGapMs: 60_000)
    let book = PriceBook()
    let settlement: LiveSettlement

    init(_ name: String, end: Int64, rates: LiveSettlement.Rates) throws {
        let folder = TestPaths.temporaryFolder(name)
        path = "\(folder)/m.db"
        writer = try StoreWriter(path: path, synchronous: .normal)
        store = StorePipeline(writer: writer, run: 1, commitIntervalMs: 1000, maxSamples: 1000)
        let clock = HostClock(.replay(startMs: end - MarketTime.intervalMs, speed: 1))
        let events = EventLog(store: store, logger: Logger(level: .error), clock: clock)
        let config = try HostConfig(json: [
            "plugins": [["instance": "homes", "plugin": "manta.sim"], ["instance": "prices", "plugin": "manta.nem-file"],
                        ["instance": "t", "plugin": "manta.threshold"]],
            "vpps": [["id": "vic", "region": "VIC1", "market": "prices", "strategy": "t", "drivers": ["homes"]]],
        ], path: "\(folder)/manta.json")
        let vpps = VPPSet()
        vpp = VPPRuntime(config: config.vpps[0], market: nil, strategy: nil)
        vpp.members = [.init(number: 1, allocation: 0.5, priority: 0)]
        vpps.insert(vpp)
        settlement = LiveSettlement(meter: meter, registry: DeviceRegistry(known: [:]), vpps: vpps, prices: book, store: store,
                                    events: events, clock: clock, settleAfterMs: 10_000, rates: rates)
        settlement.begin(atMs: end - MarketTime.intervalMs)
    }
}

/// The meter integrates what devices report; live settlement prices a VPP's
/// share of it, settles again when the market revises a price, and the
/// store gives back the latest revision.
@Suite struct LiveSettlementBehaviour {
    static let end: Int64 = 1_658_037_900_000  // 2022-07-17 16:05 AEST

    @Test @LoopActor func theMeterHoldsEachReadingUntilTheNextAndDoesNotBridgeGaps() {
        let meter = EnergyMeter(maxGapMs: 60_000)
        let start = Self.end - MarketTime.intervalMs
        // 3 kW from the interval's start, 5 kW from 2 minutes in, -2 kW (charging) 30 s before the end.
        meter.reading(1, w: 3000, timeMs: start)
        meter.reading(1, w: 3000, timeMs: start + 60_000)
        meter.reading(1, w: 5000, timeMs: start + 120_000)
        meter.reading(1, w: 5000, timeMs: start + 180_000)
        meter.reading(1, w: 5000, timeMs: start + 240_000)
        meter.reading(1, w: -2000, timeMs: start + 270_000)
        // Device 2 reads once, then goes quiet for longer than the gap rule.
        meter.reading(2, w: 1000, timeMs: start)
        meter.reading(2, w: 1000, timeMs: start + 200_000)
        let r = meter.close(intervalEndingAt: Self.end)
        // 3 kW x 2 min + 5 kW x 2.5 min - 2 kW x 0.5 min = 100 + 208.33 - 16.67 Wh.
        let discharged: Double = 100 + 5000 * 150 / 3600.0
        let charged: Double = 2000 * 30 / 3600.0
        let one = r[1]!
        #expect(abs(one.energyWh - (discharged - charged)) < 1e-9)
        #expect(abs(one.dischargedWh - discharged) < 1e-9)
        #expect(r[1]!.coveredMs == MarketTime.intervalMs)
        // Neither the 200 s gap nor the 100 s from its last reading to the end is bridged (the rule is 60 s).
        #expect(r[2] == nil)
        // Closed once: a late reading of it is not counted again.
        meter.reading(1, w: 9000, timeMs: Self.end - 1000)
        #expect(meter.close(intervalEndingAt: Self.end).isEmpty)
    }

    @Test @LoopActor func aVPPsShareIsSettledAtThePriceAndAgainWhenThePriceIsRevised() throws {
        let f = try SettlementFixture("settlement", end: Self.end, rates: .init(costPerMWh: 20))
        let (store, writer, meter, book, settlement) = (f.store, f.writer, f.meter, f.book, f.settlement)
        f.vpp.fcasEnabled[Self.end] = [0, 0.004, 0, 0, 0, 0, 0, 0, 0, 0]  // 4 kW of RAISE6SEC
        var told: [SettlementRow] = []
        settlement.onSettled.append { told.append($0) }
        // 10 kW all interval: 833.3 Wh, of which the VPP holds half.
        for k in 0...10 { meter.reading(1, w: 10_000, timeMs: Self.end - MarketTime.intervalMs + Int64(k) * 30_000) }
        var fcas = [Double](repeating: .nan, count: 10)
        fcas[1] = 1.5
        book.add(Price(intervalEndMs: Self.end, region: "VIC1", rrp: 364.64, demandMW: 6000, status: .forecast, fcas: fcas))
        settlement.check(nowMs: Self.end + 5_000)
        #expect(told.isEmpty)  // before settle_after_ms
        settlement.check(nowMs: Self.end + 10_000)
        let wh = 10_000 * 300 / 3600.0 * 0.5
        #expect(told.count == 1)
        let first = try #require(told.first)
        #expect(abs(first.energyWh - wh) < 1e-9 && first.revision == 0 && first.coverage == 1)
        #expect(abs(first.energyAUD - 364.64 * wh / 1e6) < 1e-12)
        #expect(abs(first.fcasAUD[1] - 0.004 * 1.5 * 5 / 60) < 1e-15)
        #expect(abs(first.costAUD - 20 * wh / 1e6) < 1e-15)
        // AEMO's final price differs: settled again, the revision recorded with its reason.
        let revised = Price(intervalEndMs: Self.end, region: "VIC1", rrp: 380.0, demandMW: 6000, status: .firm, fcas: fcas)
        book.add(revised)
        settlement.pricesFiled([revised])
        #expect(told.count == 2)
        #expect(told[1].revision == 1 && told[1].reason.contains("364.64 -> 380.0"))
        #expect(abs(told[1].energyAUD - 380.0 * wh / 1e6) < 1e-12)
        // The same price again changes nothing.
        settlement.pricesFiled([revised])
        #expect(told.count == 2)
        store.close()
        _ = writer.flush()
        let reader = try StoreReader(path: f.path)
        let rows = try reader.settlements(run: 1, vpp: "vic", fromMs: .min, toMs: .max, limit: 100)
        #expect(rows.count == 1 && rows[0].revision == 1 && rows[0].rrp == 380.0)
        #expect(try reader.settlementRevisions(run: 1, vpp: "vic", intervalEndMs: Self.end).map(\.revision) == [0, 1])
        let summary = SettlementSummary(rows)
        #expect(summary.total.totalAUD == rows[0].totalAUD && summary.total.revised == 1)
        writer.close()
    }
}

/// Network charges on what the fleet charges; demand charges as each
/// member's monthly charging peak rises.
@Suite struct NetworkAndDemandCharges {
    @Test @LoopActor func theDemandChargeIsPaidAsTheMonthsPeakRises() throws {
        let first = LiveSettlementBehaviour.end
        let f = try SettlementFixture("charges", end: first, rates: .init(tariff: NetworkTariff(perMWh: 50, demandPerKWMonth: 10)))
        let (store, writer, meter, book, settlement) = (f.store, f.writer, f.meter, f.book, f.settlement)
        var told: [SettlementRow] = []
        settlement.onSettled.append { told.append($0) }
        // Charging at 4 kW, then 6 kW, then 3 kW: the VPP holds half of each.
        let start = first - MarketTime.intervalMs
        for (k, w) in [-4000.0, -6000, -3000].enumerated() {
            for j in 0..<10 { meter.reading(1, w: w, timeMs: start + Int64(k) * MarketTime.intervalMs + Int64(j) * 30_000) }
            book.add(Price(intervalEndMs: first + Int64(k) * MarketTime.intervalMs, region: "VIC1", rrp: 100, demandMW: 0,
                           status: .firm, fcas: []))
        }
        meter.reading(1, w: 0, timeMs: start + 3 * MarketTime.intervalMs)
        settlement.check(nowMs: first + 2 * MarketTime.intervalMs + 10_000)
        #expect(told.map(\.demandAUD) == [2 * 10, 1 * 10, 0])  // peaks 2 kW, then 3 kW (+1), then none higher
        for (row, kW) in zip(told, [2.0, 3, 1.5]) {
            let chargedWh = kW * 1000 * 5 / 60
            #expect(abs(row.networkAUD - 50 * chargedWh / 1e6) < 1e-12)
            #expect(abs(row.totalAUD - (row.energyAUD - row.networkAUD - row.demandAUD)) < 1e-12)
        }
        store.close()
        writer.close()
    }
}

/// The loss breaker: trips on the trailing window's total, slides, resets.
@Suite struct LossBreakerRule {
    @Test func tripsWhenTheTrailingWindowLosesMoreThanTheLimit() {
        var c = LossBreaker(maxLossAUD: 10, windowIntervals: 3)
        for (k, v) in [-4.0, -4, 1, -4, -4].enumerated() { c.record(totalAUD: v, intervalEndMs: Int64(k)) }
        // Windows: -4; -8; -7; -7; -7 (1, -4, -4): never below -10.
        #expect(!c.tripped && c.windowAUD == -7)
        let tripped = c.record(totalAUD: -4, intervalEndMs: 5)  // -4, -4, -4 = -12
        #expect(tripped)
        #expect(c.trippedAtMs == 5 && c.trippedAtAUD == -12)
        let again = c.record(totalAUD: -100, intervalEndMs: 6)  // already tripped: reported once
        #expect(!again)
        c.reset()
        #expect(!c.tripped && c.windowAUD == 0)
    }
}
