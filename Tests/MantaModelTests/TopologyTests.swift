import MantaABI
import Testing
@testable import MantaModel

func device(_ key: String, _ kind: DeviceKind, site: String = "home-1", rating: Double = 5000) -> DeviceDescriptor {
    DeviceDescriptor(number: UInt32(abs(key.hashValue) % 100_000), instance: "d", index: 0, key: key, kind: kind, site: site,
                     ratings: DeviceRatings(ratedPowerW: rating, maxChargeW: rating, maxDischargeW: rating, capacityWh: 13500),
                     controllable: true, readOnly: false)
}

/// A home: PV 3 kW, battery discharging 1 kW, load 1.5 kW, so the grid
/// meter sees 2.5 kW of export.
func home(meter: Double = 2500, load: Double? = -1500, pv: Double? = 3000, battery: Double = 1000, loadsMetered: Bool = true)
    -> SiteTopology
{
    let devices = [device("pv", .pvInverter), device("battery", .battery), device("meter", .meter), device("load", .load)]
    let values: [String: Double?] = ["pv": pv, "battery": battery, "meter": meter, "load": load]
    return SiteTopology.build(site: "home-1", devices: devices, loadsMetered: loadsMetered) { d, point in
        point == "ac.w" ? values[d.key] ?? nil : nil
    }
}

@Suite struct Topology {
    @Test func aHealthySiteBalances() {
        let t = home()
        #expect(t.balance.status == .ok)
        #expect(t.balance.residualW == 0)
        #expect(t.edges.contains { $0.from == "meter:d/meter" && $0.to == "grid" && $0.watts == 2500 })
        #expect(t.edges.contains { $0.from == "ac_bus" && $0.to == "load:d/load" && $0.watts == 1500 })
        #expect(Set(t.nodes.map(\.type)) == ["ac_bus", "pv", "inverter", "battery", "meter", "load", "grid"])
    }

    @Test func aMeterWithItsSignInvertedIsNamed() {
        let t = home(meter: -2500)
        #expect(t.balance.status == .mismatch)
        #expect(t.balance.residualW == 5000)
        #expect(t.balance.likelyDevice == "d/meter")
        #expect(t.balance.explanation == "in and out of the AC bus differ by 5000 W; likely d/meter: its ac.w of -2500 W balances the site with its sign inverted")
    }

    @Test func aDeadPVReadingIsNamed() {
        // The inverter reads 0 W while the meter and load say 3 kW came from somewhere.
        let t = home(pv: 0)
        #expect(t.balance.status == .mismatch && t.balance.mismatchW > 0)
        #expect(t.balance.residualW == -3000)
    }

    @Test func withUnmeteredLoadsOnlyANegativeRemainderIsWrong() {
        // 1.5 kW of load is not metered: the remainder is that load, fine.
        #expect(home(load: nil, loadsMetered: false).balance.status == .unchecked)  // the load device sent nothing
        let devices = [device("pv", .pvInverter), device("battery", .battery), device("meter", .meter)]
        func site(_ meter: Double) -> EnergyBalance.Verdict {
            SiteTopology.build(site: "h", devices: devices, loadsMetered: false) { d, _ in
                ["pv": 3000, "battery": 1000, "meter": meter][d.key]
            }.balance
        }
        #expect(site(2500).status == .ok && site(2500).residualW == 1500)
        let wrong = site(-2500)  // implies 6.5 kW of load... fine
        #expect(wrong.status == .ok)
        let impossible = site(6000)  // exporting more than is generated
        #expect(impossible.status == .mismatch)
        #expect(impossible.explanation.hasPrefix("the flows imply an unmetered load of -2000 W, which cannot be negative"))
    }

    @Test func aHybridCannotPutOutMoreThanItsPVAndBattery() {
        let h = device("hybrid", .hybridInverter)
        func check(ac: Double, pv: Double, battery: Double) -> EnergyBalance.Verdict {
            SiteTopology.build(site: "h", devices: [h], loadsMetered: false) { _, point in
                ["ac.w": ac, "pv.w": pv, "battery.w": battery][point]
            }.balance
        }
        #expect(check(ac: 3800, pv: 3000, battery: 1000).status == .unchecked)  // losses of 5 %: fine, and no meter
        let v = check(ac: 6000, pv: 3000, battery: 1000)
        #expect(v.status == .mismatch && v.likelyDevice == "d/hybrid")
        #expect(v.explanation == "d/hybrid puts out 6000 W AC from 4000 W of PV and battery: 2000 W from nowhere")
        #expect(check(ac: 2000, pv: 3000, battery: 1000).status == .mismatch)  // half lost
    }

    @Test func staleReadingsLeaveTheSiteUnchecked() {
        let t = home(pv: nil)
        #expect(t.balance.status == .unchecked)
        #expect(t.balance.explanation == "no fresh ac.w from d/pv")
    }
}
