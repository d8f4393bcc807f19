import MantaABI
import MantaMarket
import Testing
@testable import MantaEngine

/// A day of synthetic prices: cheap at night, dear in the evening.
func day(from start: Int64 = 1_656_597_600_000, count: Int = 288) -> PriceFile {
    let points = (0..<count).map { i -> PricePoint in
        let hour = Double(i % 288) / 12
        let rrp: Double = hour < 6 ? -20 : hour >= 17 && hour < 21 ? 400 : 70
        return PricePoint(intervalEndMs: start + Int64(i + 1) * MarketTime.intervalMs, region: .sa1, rrp: rrp)
    }
    return PriceFile(region: .sa1, points: points, gaps: [])
}

final class FailingStrategy: Strategy {
    var name: String { "failing" }
    struct Boom: Error {}
    func decide(_ o: Observation, targets: inout [Double]) throws -> String? { throw Boom() }
}

@Suite struct TimeMachine {
    let threshold = ThresholdStrategy({ var c = ThresholdStrategy.Config(); c.chargeBelow = 0; c.dischargeAbove = 300; return c }())

    @Test func energyAndMoneyAddUp() throws {
        let b = battery(powerMW: 1, energyMWh: 2, rt: 0.81, soc0: 0.5, cost: 3)
        let r = try Backtest.run(Backtest.Input(prices: day(), fleet: [b]), strategy: threshold)
        #expect(r.intervals == 288)
        // Revenue = what discharging earned - what charging cost - throughput cost.
        #expect(abs(r.revenueAUD - (r.dischargeIncomeAUD - r.chargeCostAUD - r.throughputCostAUD)) < 1e-9)
        #expect(abs(r.throughputCostAUD - 3 * r.dischargedMWh) < 1e-9)
        // Energy in the cells: start + 0.9 x charged - discharged / 0.9.
        let end = r.series.energyMWh.last!
        #expect(abs(end - (1 + 0.9 * r.chargedMWh - r.dischargedMWh / 0.9)) < 1e-9)
        // Charged from 1 MWh to full (2 MWh) at -20, then emptied from 17:00 at 400.
        #expect(abs(r.chargedMWh - 1 / 0.9) < 1e-9)
        #expect(abs(r.dischargedMWh - 2 * 0.9) < 1e-9)
        #expect(abs(r.averageBuyPrice - -20) < 1e-9)
        #expect(abs(r.averageSellPrice - 400) < 1e-9)
        #expect(abs(r.cycles - 0.9) < 1e-9)
        #expect(r.days.count == 1 && abs(r.days[0].revenueAUD - r.revenueAUD) < 1e-9)
        #expect(r.series.energyMWh.allSatisfy { $0 >= -1e-12 && $0 <= 2 + 1e-12 })
    }

    @Test func deterministic() throws {
        let input = Backtest.Input(prices: day(count: 288 * 3), fleet: [battery(), battery(powerMW: 2, energyMWh: 3)])
        let a = try Backtest.run(input, strategy: threshold), b = try Backtest.run(input, strategy: threshold)
        #expect(a.revenueAUD == b.revenueAUD)
        #expect(a.series.powerMW == b.series.powerMW)
    }

    @Test func noStrategyBeatsTheBound() throws {
        let input = Backtest.Input(prices: day(count: 288 * 2), fleet: [battery(rt: 0.85, cost: 2)])
        let r = try Backtest.run(input, strategy: threshold)
        let bound = try Backtest.bound(input)
        // The bound must end with its initial energy; a strategy need not. Ending Δ MWh lower can be
        // worth at most Δ x eta_d x the highest price, so that is all a strategy can be above it.
        let deficit = max(0, r.startEnergyMWh - r.endEnergyMWh)
        #expect(deficit > 0)  // this run does sell its opening charge
        #expect(r.revenueAUD <= bound + deficit * 0.85.squareRoot() * 400 + 1e-9)
        let optimal = try Backtest.perfectForesight(input)
        #expect(abs(optimal.revenueAUD - bound) < 1e-6)
    }

    @Test func aFailingStrategyHoldsAndIsCounted() throws {
        let r = try Backtest.run(Backtest.Input(prices: day(), fleet: [battery()]), strategy: FailingStrategy())
        #expect(r.strategyErrors == 288)
        #expect(r.revenueAUD == 0)
        #expect(r.firstStrategyError?.contains("Boom") == true)
    }

    @Test func gapsAreRefusedUnlessAllowed() throws {
        var prices = day()
        prices.points.removeSubrange(100..<110)
        prices.gaps = [PriceGap(afterMs: prices.points[99].intervalEndMs, beforeMs: prices.points[100].intervalEndMs, file: "f", line: 101)]
        #expect(throws: Backtest.Refusal.self) { try Backtest.run(Backtest.Input(prices: prices, fleet: [battery()]), strategy: threshold) }
        let r = try Backtest.run(Backtest.Input(prices: prices, fleet: [battery()], allowGaps: true), strategy: threshold)
        #expect(r.intervals == 278 && r.idleIntervals == 10)
        #expect(r.series.price[100...109].allSatisfy { $0.isNaN })
    }

    @Test func badBatteriesAreRefusedByName() {
        let bad = battery(soc0: 0.9, socMin: 0.2, socMax: 0.8)
        #expect(throws: Backtest.Refusal.self) { try Backtest.run(Backtest.Input(prices: day(), fleet: [bad]), strategy: threshold) }
    }
}
