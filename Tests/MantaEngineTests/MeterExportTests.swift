import Foundation
import MantaTestPaths
import Testing
@testable import MantaEngine

@Suite("Export control at the meter")
struct MeterExportTests {
    @Test func theLoadIsServedAndTheBatteryChargesBeforeThePVIsCurtailed() {
        // 6 kW of sun, 1.2 kW of load, a battery that can take 3 kW, zero export.
        let p = MeterExport.plan(.init(limitW: 0, loadW: 1200, pvAvailableW: 6000, batteryW: 0, chargeHeadroomW: 3000))
        #expect(p.batteryW == -3000)
        #expect(p.pvLimitW == 4200)
        #expect(p.exportW == 0)
        // Room under a 5 kW limit: nothing to do.
        let free = MeterExport.plan(.init(limitW: 5000, loadW: 1200, pvAvailableW: 6000, batteryW: 0, chargeHeadroomW: 3000))
        #expect(free == .init(batteryW: 0, pvLimitW: nil, exportW: 4800))
    }

    @Test func aDischargeIntoTheLimitIsCutFirst() {
        let p = MeterExport.plan(.init(limitW: 1000, loadW: 500, pvAvailableW: 2000, batteryW: 4000, chargeHeadroomW: 5000))
        #expect(p.batteryW == -500)
        #expect(p.pvLimitW == nil)
        #expect(p.exportW == 1000)
    }

    @Test func absorbingChargesFromTheGridAndStillExportsNothing() {
        let p = MeterExport.plan(.init(limitW: 0, loadW: 800, pvAvailableW: 0, batteryW: 0, chargeHeadroomW: 5000, absorb: true))
        #expect(p.batteryW == -5000 && p.pvLimitW == nil && p.exportW == -5800)
    }

    /// A month of a real Ausgrid household (half-hourly consumption GC and
    /// PV GG, January 2012; the PV at 6.6 kW peak) with a 13.5 kWh, 5 kW battery that dispatch runs
    /// for self-consumption (discharging to cover what the PV does not): at
    /// a 0 W and a 1.5 kW limit the meter never exports beyond it, the PV is
    /// never curtailed below load + charging + limit, and no less of the sun
    /// is used than by capping the inverter at the limit (at 0 W, far more).
    @Test(arguments: [0.0, 1500.0])
    func aRealMonthStaysUnderTheLimitWithoutWastingSun(limitW: Double) throws {
        let path = "\(TestPaths.sharedData)/load_pv/ausgrid_solarhome_customer12_2011-2012.csv"
        let rows = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").dropFirst()
            .filter { $0.hasPrefix("2012-01-") }.map { $0.split(separator: ",") }
        #expect(rows.count == 31 * 48)
        let spec = BatterySpec(capacityWh: 13_500, maxChargeW: 5000, maxDischargeW: 5000, roundTripEfficiency: 0.9,
                               socMin: 0.1, socMax: 1)
        var energy = 0.2 * spec.capacityWh
        var used = 0.0, naive = 0.0, available = 0.0, charged = 0.0
        // The household's PV shape at a common 6.6 kW system size (as the sim
        // driver scales it); its consumption as measured.
        let peak = rows.map { Double($0[2]) ?? 0 }.max() ?? 1
        for r in rows {
            let load = (Double(r[1]) ?? 0) * 1000, pv = (Double(r[2]) ?? 0) / peak * 6600
            let headroom = spec.chargeHeadroomW(energyWh: energy, hours: 0.5)
            let plan = MeterExport.plan(.init(limitW: limitW, loadW: load, pvAvailableW: pv, batteryW: max(0, load - pv),
                                              chargeHeadroomW: headroom))
            let pvOut = min(pv, plan.pvLimitW ?? pv)
            #expect(plan.exportW <= limitW + 1e-9)
            #expect(abs(pvOut + plan.batteryW - load - plan.exportW) < 1e-6)
            #expect(pvOut >= min(pv, load - plan.batteryW + limitW) - 1e-6, "curtailed below load + charging")
            let step = spec.step(energyWh: energy, requestW: plan.batteryW, hours: 0.5)
            energy = step.energyWh
            charged += max(0, -step.powerW) * 0.5
            used += pvOut * 0.5
            naive += min(pv, limitW) * 0.5
            available += pv * 0.5
        }
        print("limit \(limitW) W: PV used \(Int(used)) of \(Int(available)) Wh, capped inverter \(Int(naive)) Wh, charged \(Int(charged)) Wh")
        #expect(used >= naive, "used \(used) Wh of \(available) Wh; an inverter capped at the limit: \(naive) Wh")
        if limitW == 0 {
            #expect(charged > 20_000, "the battery soaked up sun: \(charged) Wh")
            #expect(used > 0.5 * available)
        }
    }
}
