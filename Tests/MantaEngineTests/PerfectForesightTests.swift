import Glibc
import MantaMarket
import Testing
@testable import MantaEngine

func battery(powerMW: Double = 1, energyMWh: Double = 2, rt: Double = 0.9, soc0: Double = 0.5, socMin: Double = 0,
             socMax: Double = 1, cost: Double = 0) -> BacktestBattery {
    BacktestBattery(name: "b", spec: BatterySpec(capacityWh: energyMWh * 1e6, maxChargeW: powerMW * 1e6, maxDischargeW: powerMW * 1e6,
                                                 roundTripEfficiency: rt, socMin: socMin, socMax: socMax),
                    initialSoc: soc0, costPerMWh: cost)
}

/// Revenue of a schedule, recomputed from the LP's objective.
func revenue(_ s: PerfectForesight.Solution, _ prices: [Double], cost: Double = 0) -> Double {
    prices.indices.reduce(0) { $0 + prices[$1] * (s.dischargeMW[$1] - s.chargeMW[$1]) / 12 - cost * s.dischargeMW[$1] / 12 }
}

/// Checks every constraint of the LP on a schedule.
func feasible(_ s: PerfectForesight.Solution, _ b: BacktestBattery, _ prices: [Double]) -> Bool {
    let eps = 1e-9
    var e = b.initialEnergyWh / 1e6
    for t in prices.indices {
        let c = s.chargeMW[t], d = s.dischargeMW[t]
        guard c >= -eps, d >= -eps, c <= b.spec.maxChargeW / 1e6 + eps, d <= b.spec.maxDischargeW / 1e6 + eps else { return false }
        e += b.spec.chargeEfficiency * c / 12 - d / 12 / b.spec.dischargeEfficiency
        guard abs(e - s.energyMWh[t]) < 1e-6, e >= b.spec.minEnergyWh / 1e6 - eps, e <= b.spec.maxEnergyWh / 1e6 + eps else { return false }
    }
    return e >= b.initialEnergyWh / 1e6 - 1e-9
}

@Suite struct Bound {
    @Test func buyLowSellHighByHand() {
        // 1 MW / 1 MWh, lossless, empty: charge 1/12 MWh at $10, sell it at $100.
        let b = battery(energyMWh: 1, rt: 1, soc0: 0)
        let s = PerfectForesight.solve(prices: [10, 100], battery: b)
        #expect(abs(s.revenue - 90.0 / 12) < 1e-12)
        #expect(s.chargeMW == [1, 0])
        #expect(s.dischargeMW == [0, 1])
    }

    @Test func aFullBatteryBurnsEnergyAtANegativePriceAsTheLPDoes() {
        // Full and required to end full: the only gain at -100 is to charge at 1 MW while discharging
        // x MW with 0.9 x 1/12 = x / 0.9 x 1/12, i.e. x = 0.81: revenue = 100 x 0.19 / 12.
        let b = battery(energyMWh: 2, rt: 0.81, soc0: 1)
        let s = PerfectForesight.solve(prices: [-100], battery: b)
        #expect(abs(s.revenue - 100 * 0.19 / 12) < 1e-9)
        #expect(abs(s.chargeMW[0] - 1) < 1e-9)
        #expect(abs(s.dischargeMW[0] - 0.81) < 1e-9)
        #expect(feasible(s, b, [-100]))
    }

    @Test func matchesExhaustiveDynamicProgrammingOnRandomLosslessInstances() {
        // Lossless, 12 MW and 4 MWh: every move is a whole MWh per interval, the LP optimum is integral
        // (a flow problem), so a DP over energy levels 0...4 is exact and independent of the solver.
        var rng = UInt64(42)
        func next() -> Double {
            rng = rng &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(rng >> 33) / Double(1 << 31)
        }
        for _ in 0..<200 {
            let n = 6 + Int(next() * 30)
            let prices = (0..<n).map { _ in (next() * 350 - 50).rounded() }
            let cost = next() < 0.5 ? 0 : (next() * 20).rounded()
            let b = battery(powerMW: 12, energyMWh: 4, rt: 1, soc0: 0.5, cost: cost)
            var best = [Double](repeating: -.infinity, count: 5)
            best[2] = 0
            for p in prices {
                var next = [Double](repeating: -.infinity, count: 5)
                for e in 0...4 where best[e] > -.infinity {
                    for delta in -1...1 where (0...4).contains(e + delta) {
                        let gain = delta > 0 ? -p : delta < 0 ? p - cost : 0
                        next[e + delta] = max(next[e + delta], best[e] + gain)
                    }
                }
                best = next
            }
            let dp = best[2...].max()!
            let s = PerfectForesight.solve(prices: prices, battery: b)
            #expect(abs(s.revenue - dp) < 1e-7, "prices \(prices), cost \(cost)")
            #expect(feasible(s, b, prices))
            #expect(abs(revenue(s, prices, cost: cost) - s.revenue) < 1e-7)
        }
    }

    @Test func missingIntervalsAreIdled() {
        let b = battery(energyMWh: 1, rt: 1, soc0: 0)
        let s = PerfectForesight.solve(prices: [10, .nan, 100], battery: b)
        #expect(s.chargeMW[1] == 0 && s.dischargeMW[1] == 0)
        #expect(abs(s.revenue - 90.0 / 12) < 1e-12)
    }

    @Test func revenueOnlyModeGivesTheSameValue() {
        let prices = (0..<2000).map { 80 + 150 * sin(Double($0) / 40) }
        let b = battery(rt: 0.85, soc0: 0.3, socMin: 0.1, socMax: 0.95, cost: 5)
        let full = PerfectForesight.solve(prices: prices, battery: b)
        let lean = PerfectForesight.solve(prices: prices, battery: b, schedule: false)
        #expect(full.revenue == lean.revenue)
        #expect(lean.chargeMW.isEmpty)
        #expect(feasible(full, b, prices))
        #expect(abs(revenue(full, prices, cost: 5) - full.revenue) < 1e-6)
    }
}

