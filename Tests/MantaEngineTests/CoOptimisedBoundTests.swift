import MantaLP
import MantaMarket
import Testing
@testable import MantaEngine

/// FCAS prices with `service` at `price` and nothing else.
private func only(_ service: FCASService, _ price: Double) -> FCASPrices {
    var f = FCASPrices()
    f[service] = price
    return f
}

private func solve(_ prices: [Double], _ fcas: [FCASPrices], _ b: BacktestBattery) throws -> CoOptimisedBound.Solution {
    try CoOptimisedBound.solve(prices: prices, fcas: fcas, battery: b)
}

@Suite struct LinearProgramsThroughClp {
    @Test func aSmallProgrammeHasItsTextbookOptimum() throws {
        // max 3x + 2y s.t. x + y <= 4, x + 3y <= 6, x <= 3: optimum at (3, 1), value 11.
        var lp = LinearProgram()
        let x = lp.addColumn(cost: 3, lower: 0, upper: 3), y = lp.addColumn(cost: 2, lower: 0, upper: .infinity)
        lp.addRow([(x, 1), (y, 1)], lower: -.infinity, upper: 4)
        lp.addRow([(x, 1), (y, 3)], lower: -.infinity, upper: 6)
        let s = try ClpSolver.maximise(lp)
        #expect(abs(s.objective - 11) < 1e-9)
        #expect(abs(s.x[x] - 3) < 1e-9 && abs(s.x[y] - 1) < 1e-9)
        #expect(lp.violation(s.x) < 1e-9)
    }

    @Test func infeasibleAndUnboundedAreSaidSo() {
        var lp = LinearProgram()
        let x = lp.addColumn(cost: 1, lower: 0, upper: 1)
        lp.addRow([(x, 1)], lower: 2, upper: .infinity)
        #expect(throws: LPError.infeasible) { try ClpSolver.maximise(lp) }
        var open = LinearProgram()
        open.addColumn(cost: 1, lower: 0, upper: .infinity)
        #expect(throws: LPError.unbounded) { try ClpSolver.maximise(open) }
    }
}

@Suite struct CoOptimisedBoundByHand {
    @Test func withoutFCASPricesItIsThePerfectForesightBound() throws {
        var rng = UInt64(7)
        func next() -> Double {
            rng = rng &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(rng >> 33) / Double(1 << 31)
        }
        for trial in 0..<20 {
            let prices = (0..<200).map { _ in next() < 0.05 ? -200 * next() : 300 * next() * next() }
            let b = battery(powerMW: 1 + Double(trial % 3), energyMWh: 2, rt: 0.85, soc0: 0.3, socMin: 0.1, cost: Double(trial % 2) * 5)
            let lp = try solve(prices, [FCASPrices](repeating: FCASPrices(), count: prices.count), b)
            let slope = PerfectForesight.solve(prices: prices, battery: b, schedule: false).revenue
            #expect(abs(lp.revenue - slope) <= 1e-7 * max(1, abs(slope)), "trial \(trial): LP \(lp.revenue), slope trick \(slope)")
            #expect(lp.fcasRevenueTotal == 0)
        }
    }

    @Test func atFullDischargeNoRaiseAndWhileChargingTheWholeRating() throws {
        // Lossless 1 MW / 2 MWh at half charge: sell at $10,000, buy back at $0. RAISE6SEC pays $1/MW/h in both.
        let b = battery(powerMW: 1, energyMWh: 2, rt: 1, soc0: 0.5)
        let s = try solve([10_000, 0], [only(.raise6Sec, 1), only(.raise6Sec, 1)], b)
        #expect(abs(s.dischargeMW[0] - 1) < 1e-9 && s.chargeMW[0] < 1e-9)
        #expect(s.enablementMW[.raise6Sec]![0] < 1e-9)  // d - c + r <= Pd with d = Pd
        #expect(abs(s.chargeMW[1] - 1) < 1e-9)
        #expect(abs(s.enablementMW[.raise6Sec]![1] - 1) < 1e-9)  // charging: up to Pd + c, capped at Pd
        #expect(abs(s.revenue - (10_000.0 / 12 + 1.0 / 12)) < 1e-9)
    }

    @Test func aFullBatteryEnablesNoLowerAndRoomForOneMinuteLimitsIt() throws {
        let full = battery(powerMW: 1, energyMWh: 2, rt: 1, soc0: 1)
        var s = try solve([0], [only(.lower6Sec, 5)], full)
        #expect(s.enablementMW[.lower6Sec]![0] < 1e-9)  // e + l h eta_c <= Emax with e = Emax
        // 0.01 MWh of room, sustained for 1/60 h: 0.6 MW.
        let roomy = battery(powerMW: 1, energyMWh: 2, rt: 1, soc0: 0.995)
        s = try solve([0], [only(.lower6Sec, 5)], roomy)
        #expect(abs(s.enablementMW[.lower6Sec]![0] - 0.6) < 1e-9)
        #expect(abs(s.fcasRevenue[.lower6Sec]! - 0.6 * 5 / 12) < 1e-9)
    }

    @Test func raiseIsLimitedByTheEnergyToSustainIt() throws {
        // 0.005 MWh above the floor; charging at $0 for the interval adds 0.9 x 1 / 12 = 0.075 MWh. RAISE60SEC
        // must last 5 minutes through eta_d = 0.9: r = 0.08 x 0.9 / (5/60) = 0.864 MW, short of the 1 MW rating.
        let b = battery(powerMW: 1, energyMWh: 2, rt: 0.81, soc0: 0.1025, socMin: 0.1)
        let s = try solve([0], [only(.raise60Sec, 20)], b)
        let r = s.enablementMW[.raise60Sec]![0]
        #expect(abs(s.energyMWh[0] - 0.28) < 1e-9)
        #expect(abs(r - (s.energyMWh[0] - 0.2) * 0.9 / (5.0 / 60)) < 1e-9)
        #expect(abs(r - 0.864) < 1e-9)
    }

    @Test func contingencyAndRegulationShareTheCapacity() throws {
        // Full, so it cannot charge to widen the room (x >= 0): r_6s + r_reg <= Pd, and the whole MW
        // goes to the dearer regulation.
        var f = only(.raise6Sec, 5)
        f[.raiseReg] = 10
        let s = try solve([0], [f], battery(powerMW: 1, energyMWh: 2, rt: 1, soc0: 1))
        #expect(abs(s.enablementMW[.raiseReg]![0] - 1) < 1e-9)
        #expect(s.enablementMW[.raise6Sec]![0] < 1e-9)
        #expect(abs(s.revenue - 10.0 / 12) < 1e-9)
        #expect(abs(s.revenue - s.energyRevenue - s.fcasRevenueTotal) < 1e-12)
    }

    @Test func aGivenTrapeziumTightensTheBatterysOwn() throws {
        var b = battery(powerMW: 1, energyMWh: 2, rt: 1, soc0: 0.5)
        let loose = try solve([0], [only(.raise6Sec, 5)], b)
        #expect(abs(loose.enablementMW[.raise6Sec]![0] - 1) < 1e-9)
        // Registered for at most 0.4 MW, falling to 0 at 1 MW of discharge from 0.2 MW: (1 - 0.2) / 0.4 = 2.
        let t = FCASTrapezium(enablementMinMW: -1, lowBreakpointMW: -1, highBreakpointMW: 0.2, enablementMaxMW: 1, maxAvailabilityMW: 0.4)
        #expect(abs(t.upperSlope - 2) < 1e-12)
        #expect(abs(t.availability(atMW: 0.9) - 0.05) < 1e-12 && t.availability(atMW: 0) == 0.4 && t.availability(atMW: 1.1) == 0)
        b.trapezia[.raise6Sec] = t
        let tight = try solve([0], [only(.raise6Sec, 5)], b)
        #expect(abs(tight.enablementMW[.raise6Sec]![0] - 0.4) < 1e-9)
        // Energy at $3 and raise at $10 (bought back at $0 next): x + 2 r <= 1 and r <= 0.4 meet at x = 0.2,
        // worth 3 x 0.2 + 10 x 0.4 = 4.6 against 3 for discharging fully; the battery's own x + r <= 1 is slack.
        let corner = try solve([3, 0], [only(.raise6Sec, 10), FCASPrices()], b)
        #expect(abs(corner.dischargeMW[0] - corner.chargeMW[0] - 0.2) < 1e-9)
        #expect(abs(corner.enablementMW[.raise6Sec]![0] - 0.4) < 1e-9)
        #expect(abs(corner.revenue - 4.6 / 12) < 1e-9)
    }

    @Test func aTrapeziumOutOfOrderIsNamed() {
        let bad = FCASTrapezium(enablementMinMW: 0, lowBreakpointMW: -1, highBreakpointMW: 1, enablementMaxMW: 2, maxAvailabilityMW: 1)
        #expect(bad.problems(.raise6Sec).first?.contains("RAISE6SEC: need enablement_min <= low_breakpoint") == true)
        var b = battery()
        b.trapezia[.lower60Sec] = FCASTrapezium(enablementMinMW: -1, lowBreakpointMW: 0, highBreakpointMW: 1, enablementMaxMW: 1,
                                                maxAvailabilityMW: .infinity)
        #expect(b.problems() == ["LOWER60SEC: every trapezium figure must be finite and within +/-100000 MW"])
    }

    @Test func aMissingIntervalIdlesAndOffersNothing() throws {
        let s = try solve([50, .nan, 50], [only(.raise6Sec, 9), only(.raise6Sec, 9), only(.raise6Sec, 9)],
                          battery(powerMW: 1, energyMWh: 2, rt: 1, soc0: 0.5))
        #expect(s.enablementMW[.raise6Sec]![1] == 0 && s.chargeMW[1] == 0 && s.dischargeMW[1] == 0)
        #expect(abs(s.fcasRevenue[.raise6Sec]! - 2 * 9.0 / 12) < 1e-9)
    }
}
