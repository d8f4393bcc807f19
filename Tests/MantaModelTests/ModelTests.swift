import Foundation
import MantaABI
import MantaJSON
import MantaTestPaths
import Testing
@testable import MantaModel

let catalog: PointCatalog = {
    let text = String(decoding: TestPaths.read(TestPaths.root + "/registry/catalog/points.json"), as: UTF8.self)
    return try! PointCatalog(json: try! JSON.parse(text))
}()

func battery(rating: Double = 5000) -> DeviceDescriptor {
    DeviceDescriptor(number: 1, instance: "sim", index: 0, key: "b1", kind: .battery, site: "s1",
                     ratings: DeviceRatings(ratedPowerW: rating, maxChargeW: rating, maxDischargeW: rating, capacityWh: 13500),
                     controllable: true, readOnly: false)
}

@Suite struct Catalog {
    @Test func registryCatalogLoadsWithStableIDs() {
        #expect(catalog["ac.w"]?.id == 1)
        #expect(catalog["battery.soc"]?.id == 6)
        #expect(catalog["battery.soc"]?.sunspec.contains("802.SoC") == true)
        #expect(catalog[UInt32(6)]?.name == "battery.soc")
        #expect(Set(catalog.points.map(\.id)).count == catalog.points.count)
    }

    @Test func duplicateIDsAreRefused() {
        #expect(throws: PointCatalog.LoadError.self) {
            try PointCatalog(json: ["points": [["id": 1, "name": "a", "unit": "W"], ["id": 1, "name": "b", "unit": "W"]]])
        }
    }

    @Test func goodValuesKeepTheirQuality() {
        let soc = catalog["battery.soc"]!.id
        #expect(catalog.check(point: soc, value: 0.42, quality: .good, device: battery()) == .accept(.good, reason: nil))
        #expect(catalog.check(point: soc, value: 0.42, quality: .estimated, device: battery()) == .accept(.estimated, reason: nil))
    }

    @Test func nonFiniteAndOutOfRangeValuesAreFlaggedInvalid() {
        let soc = catalog["battery.soc"]!.id, w = catalog["ac.w"]!.id
        guard case .accept(.invalid, let r1) = catalog.check(point: soc, value: .nan, quality: .good, device: battery()) else {
            Issue.record("NaN not flagged"); return
        }
        #expect(r1?.contains("nan") == true)
        guard case .accept(.invalid, _) = catalog.check(point: soc, value: 1.7, quality: .good, device: battery()) else {
            Issue.record("SOC 1.7 not flagged"); return
        }
        // 5 kW battery: 6 kW is plausible (1.25x), 7 kW is not.
        #expect(catalog.check(point: w, value: -6000, quality: .good, device: battery()) == .accept(.good, reason: nil))
        guard case .accept(.invalid, let r3) = catalog.check(point: w, value: 7000, quality: .good, device: battery()) else {
            Issue.record("7 kW on a 5 kW battery not flagged"); return
        }
        #expect(r3?.contains("6250") == true)
    }

    @Test func enumPointsTakeOnlyTheirCodesAndCountersAreNeverNegative() {
        let state = catalog["battery.state"]!
        guard case .enumeration(let codes) = state.type else { Issue.record("battery.state is not an enum"); return }
        #expect(codes[4] == "charging")
        #expect(catalog.check(point: state.id, value: 4, quality: .good, device: battery()) == .accept(.good, reason: nil))
        guard case .accept(.invalid, let r) = catalog.check(point: state.id, value: 9, quality: .good, device: battery()) else {
            Issue.record("code 9 not flagged"); return
        }
        #expect(r == "battery.state = 9.0 is not one of its codes (1, 2, 3, 4, 5, 6)")
        guard case .accept(.invalid, _) = catalog.check(point: state.id, value: 4.5, quality: .good, device: battery()) else {
            Issue.record("4.5 not flagged"); return
        }
        let cycles = catalog["battery.cycles"]!
        #expect(cycles.type == .counter && cycles.min == 0)
        guard case .accept(.invalid, _) = catalog.check(point: cycles.id, value: -1, quality: .good, device: battery()) else {
            Issue.record("negative counter not flagged"); return
        }
    }

    @Test func typeErrorsNameThePoint() {
        #expect(throws: PointCatalog.LoadError(message: "points[0].type: text is not float, counter or enum (x)")) {
            try PointCatalog(json: ["points": [["id": 1, "name": "x", "unit": "", "type": "text"]]])
        }
        #expect(throws: PointCatalog.LoadError(message: #"points[0].values: an enum point needs {"code": "name", ...} (x)"#)) {
            try PointCatalog(json: ["points": [["id": 1, "name": "x", "unit": "", "type": "enum"]]])
        }
    }

    @Test func unknownAndInapplicablePointsAreRejected() {
        #expect(catalog.check(point: 9999, value: 1, quality: .good, device: battery()) == .reject(reason: "unknown point id 9999"))
        let dc = catalog["dc.w"]!.id
        #expect(catalog.check(point: dc, value: 1, quality: .good, device: battery())
                == .reject(reason: "point dc.w does not apply to a battery"))
    }
}

@Suite struct Latest {
    @Test func keepsTheNewestSampleAndIgnoresLateOnes() {
        var t = LatestValues()
        t.update(Sample(device: 1, point: 6, timeMs: 2000, value: 0.5, quality: .good))
        let stored = t.update(Sample(device: 1, point: 6, timeMs: 1000, value: 0.1, quality: .good))
        #expect(!stored)
        #expect(t.latest(device: 1, point: 6)?.value == 0.5)
        t.update(Sample(device: 1, point: 1, timeMs: 2000, value: -3000, quality: .good))
        #expect(t.entries(device: 1).map(\.point) == [6, 1])
        #expect(t.count == 2)
    }

    @Test func freshIgnoresStaleAndInvalidValues() {
        var t = LatestValues()
        t.update(Sample(device: 1, point: 6, timeMs: 1000, value: 0.5, quality: .good))
        #expect(t.fresh(device: 1, point: 6, nowMs: 30_000, maxAgeMs: 60_000) == 0.5)
        #expect(t.fresh(device: 1, point: 6, nowMs: 90_000, maxAgeMs: 60_000) == nil)
        t.update(Sample(device: 1, point: 6, timeMs: 2000, value: .nan, quality: .invalid))
        #expect(t.fresh(device: 1, point: 6, nowMs: 3000, maxAgeMs: 60_000) == nil)
    }

    @Test func ratingsProblemsNameTheField() {
        let r = DeviceRatings(maxChargeW: -1, maxDischargeW: 5000, capacityWh: 0, socMin: 0.9, socMax: 0.1)
        #expect(r.problems().count == 3)
        #expect(r.problems()[0].hasPrefix("max_charge_w"))
    }
}
