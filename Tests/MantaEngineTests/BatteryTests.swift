import MantaABI
import Testing
@testable import MantaEngine

/// 10 kWh, 5 kW, 81% round trip (so 90% each way), SOC kept within 10-90%.
let spec = BatterySpec(capacityWh: 10_000, maxChargeW: 5000, maxDischargeW: 5000, roundTripEfficiency: 0.81,
                       socMin: 0.1, socMax: 0.9)

func close(_ a: Double, _ b: Double, _ tol: Double = 1e-9) -> Bool { abs(a - b) <= tol * max(1, abs(b)) }

@Suite struct Battery {
    @Test func efficienciesSplitTheRoundTrip() {
        #expect(close(spec.chargeEfficiency, 0.9))
        #expect(close(spec.dischargeEfficiency, 0.9))
    }

    @Test func dischargeDrawsMoreFromTheCellsThanItDelivers() {
        // 5 kW for half an hour delivers 2.5 kWh and takes 2.5/0.9 = 2.7778 kWh from 5 kWh.
        let (p, e) = spec.step(energyWh: 5000, requestW: 5000, hours: 0.5)
        #expect(p == 5000)
        #expect(close(e, 5000 - 2500 / 0.9))
    }

    @Test func dischargeStopsExactlyAtTheFloor() {
        // 2222.22 Wh in the cells, floor 1000 Wh: 1222.22 x 0.9 = 1100 Wh deliverable in the hour.
        let start = 5000 - 2500 / 0.9
        let (p, e) = spec.step(energyWh: start, requestW: 5000, hours: 1)
        #expect(close(p, 1100))
        #expect(close(e, 1000))
    }

    @Test func chargeStopsExactlyAtTheCeiling() {
        // 8 kWh of room, 90% charge efficiency, 2 h: 8000 / (0.9 x 2) = 4444.44 W.
        let (p, e) = spec.step(energyWh: 1000, requestW: -5000, hours: 2)
        #expect(close(p, -8000 / 1.8))
        #expect(close(e, 9000))
    }

    @Test func powerIsHeldToTheRating() {
        #expect(spec.step(energyWh: 5000, requestW: 9000, hours: 0.01).powerW == 5000)
        #expect(spec.step(energyWh: 5000, requestW: -9000, hours: 0.01).powerW == -5000)
    }

    @Test func energyAccountingDoesNotDependOnTheStepLength() {
        // One hour of charging in one step, or in 720 five-second steps, moves the same AC energy.
        let one = spec.step(energyWh: 6000, requestW: -5000, hours: 1)
        var e = 6000.0, acWh = 0.0
        for _ in 0..<720 {
            let s = spec.step(energyWh: e, requestW: -5000, hours: 1.0 / 720)
            e = s.energyWh
            acWh += s.powerW / 720
        }
        #expect(close(e, one.energyWh))
        #expect(close(acWh, one.powerW * 1, 1e-9))
    }

    @Test func badSpecsAreNamed() {
        let bad = BatterySpec(capacityWh: 0, maxChargeW: 0, maxDischargeW: 0, roundTripEfficiency: 1.2, socMin: 0.8, socMax: 0.2)
        let p = bad.problems()
        #expect(p.contains { $0.hasPrefix("capacity must be > 0") })
        #expect(p.contains { $0.hasPrefix("power must be > 0") })
        #expect(p.contains { $0.hasPrefix("charge efficiency") })
        #expect(p.contains { $0.hasPrefix("soc_min <= soc_max") })
    }
}

@Suite struct Plan {
    func obs(soc: Double) -> Observation {
        let a = AssetState(id: "d/b", kind: .battery, soc: soc, capacityWh: 10_000, maxChargeW: 5000, maxDischargeW: 5000,
                          socMin: 0.1, socMax: 0.9, powerW: 0, roundTripEfficiency: 0.81)
        return Observation(nowMs: 0, intervalEndMs: 300_000, intervalMs: 300_000, deadlineMs: 1000, vpp: "v",
                                   region: "VIC1", price: 100, priceHistory: [], assets: [a, a])
    }

    @Test func targetsAreHeldToRatingsAndSOC() {
        let c = DispatchPlan.commands(for: obs(soc: 0.5), targets: [9000, .nan], hours: 1.0 / 12)
        #expect(c[0].targetW == 5000)
        #expect(c[0].note.hasPrefix("discharge limited to 5000 W"))
        #expect(c[1].targetW == 0)
        #expect(c[1].note == "target not finite: hold")
    }

    @Test func anEmptyBatteryCannotDischarge() {
        let c = DispatchPlan.commands(for: obs(soc: 0.1), targets: [5000, -5000], hours: 1.0 / 12)
        #expect(c[0].targetW == 0)
        #expect(c[1].targetW == -5000)
    }

    @Test func unknownSOCHolds() {
        let c = DispatchPlan.commands(for: obs(soc: .nan), targets: [-5000, 0], hours: 1.0 / 12)
        #expect(c[0].targetW == 0)
        #expect(c[0].note.contains("unknown"))
    }

    @Test func theWrongNumberOfTargetsHoldsEverything() {
        let c = DispatchPlan.commands(for: obs(soc: 0.5), targets: [5000], hours: 1.0 / 12)
        #expect(c.map(\.targetW) == [0, 0])
        #expect(c[0].note.contains("1 targets for 2 assets"))
    }
}

@Suite struct Sun {
    /// Highest sun of a market-time day in Melbourne, minute by minute.
    func noon(_ dayStartMs: Int64) -> Double {
        (0..<1440).map { ClearSky.cosZenith(latitude: -37.81, longitude: 144.96, utcMs: dayStartMs + Int64($0) * 60_000) }.max()!
    }

    @Test func melbourneSolsticesMatchGeometry() {
        // Solar noon zenith = |latitude - declination|: 37.81 - 23.44 in December, 37.81 + 23.44 in June.
        #expect(abs(noon(1_671_544_800_000) - 0.9687) < 0.01)  // 2022-12-21 market time
        #expect(abs(noon(1_655_733_600_000) - 0.4810) < 0.01)  // 2022-06-21 market time
    }

    @Test func haurwitzClearSky() {
        #expect(abs(ClearSky.ghi(cosZenith: 1) - 1098 * 0.944594) < 0.1)  // exp(-0.057)
        #expect(ClearSky.ghi(cosZenith: -0.2) == 0)
    }
}
