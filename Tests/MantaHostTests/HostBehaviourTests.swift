import Foundation
import MantaJSON
import MantaTestSupport
import Testing
@testable import MantaHost

/// A real host in the test process, with real plugins, answering over TCP.
/// Serialized: each test runs a host with worker threads of its own.
@Suite(.serialized) struct HostBehaviour {
    let fixtures = TestPaths.temporaryFolder("fixtures")

    func prices(_ month: String = "202207") -> JSON {
        ["region": "VIC1", "files": [.string(TestPaths.priceFile("VIC1", month))]]
    }

    func sim(homes: Int = 2, publishMs: Int = 60_000) -> JSON {
        ["instance": "homes", "plugin": "manta.sim", "config": ["homes": .int(homes), "publish_interval_ms": .int(publishMs)]]
    }

    let vpp: JSON = ["id": "vpp", "region": "VIC1", "market": "prices", "strategy": "strategy", "drivers": ["homes"]]

    @Test func configSchemaViolationsNameTheFieldAndTheHostCarriesOn() throws {
        let host = try TestHost(TestHost.config(plugins: [
            ["instance": "homes", "plugin": "manta.sim", "config": ["homes": -1, "battery": ["capacity_wh": "big"]]],
            ["instance": "prices", "plugin": "manta.nem-file", "config": ["region": "VIC1", "files": ["/nonexistent/prices.csv"]]],
            ["instance": "missing", "plugin": "vendor.nothing"],
        ]))
        defer { try? host.stop() }
        let list = try host.call("plugins.list").array ?? []
        #expect(list.count == 3)
        let sim = list[0], market = list[1], missing = list[2]
        #expect(sim["state"] == "failed")
        let simError = sim["last_error"]?.string ?? ""
        #expect(simError.contains("plugins[0].config.homes: must be >= 0, got -1"))
        #expect(simError.contains("plugins[0].config.battery.capacity_wh: must be number, got string"))
        #expect(market["state"] == "failed")
        #expect(market["last_error"]?.string?.contains("files: /nonexistent/prices.csv: no such file or folder") == true)
        #expect(missing["last_error"]?.string?.contains("no manifest with id vendor.nothing") == true)
        #expect(try host.call("host.info")["abi"]?["major"] == 1)
    }

    @Test func badSamplesAreFlaggedOrRejectedNeverStoredAsGood() throws {
        var driver = Fixture.Variant("bad-samples")
        driver.kind = "driver"
        driver.defines = ["FIXTURE_KIND": "MANTA_KIND_DRIVER", "FIXTURE_BEHAVIOUR": "5"]
        try Fixture.build(driver, in: fixtures)
        let host = try TestHost(TestHost.config(
            plugins: [["instance": "dev", "plugin": "test.fixture"]], extraPluginDirs: [fixtures]))
        defer { try? host.stop() }
        #expect(try host.waitFor { try host.call("host.info")["store"]?["samples_committed"]?.integer == 4 })
        let t = try host.call("host.info")["telemetry"]!
        #expect(t["received"] == 7)
        #expect(t["accepted"] == 4)
        #expect(t["flagged"] == 3)
        #expect(t["rejected"] == 3)
        let soc = try host.call("telemetry.history", ["device": "dev/battery-1", "point": "battery.soc"]).array ?? []
        #expect(soc.map { $0["quality"]?.string ?? "" } == ["good", "invalid", "invalid"])
        #expect(soc[0]["value"] == .double(0.5))
        #expect(soc[1]["value"] == .null)  // NaN is stored as NULL, flagged invalid
        #expect(soc[2]["value"] == .double(1.7))
        let power = try host.call("telemetry.history", ["device": "dev/battery-1", "point": "ac.w"]).array ?? []
        #expect(power.map { $0["quality"]?.string ?? "" } == ["invalid"])
    }

    @Test(.enabled(if: TestPaths.hasSharedData)) func aFailingStrategyDoesNotStopTheDispatchCycle() throws {
        var failing = Fixture.Variant("failing-strategy")
        failing.defines = ["FIXTURE_BEHAVIOUR": "1"]
        try Fixture.build(failing, in: fixtures)
        let host = try TestHost(TestHost.config(
            plugins: [sim(), ["instance": "prices", "plugin": "manta.nem-file", "config": prices()],
                      ["instance": "strategy", "plugin": "test.fixture"]],
            vpps: [vpp], extraPluginDirs: [fixtures]))
        defer { try? host.stop() }
        #expect(try host.waitFor { (try host.call("dispatch.history").array?.count ?? 0) >= 4 })
        let history = try host.call("dispatch.history", ["commands": true]).array ?? []
        for interval in history {
            #expect(interval["status"] == "fallback")
            #expect(interval["reason"] == "hold: decide() returned MANTA_ERR_INTERNAL")
            #expect(interval["target_w"] == 0)
            // Holding is still commanded, and the sim driver applied it.
            #expect(interval["commands"]?.array?.allSatisfy { $0["outcome"] == "applied" || $0["outcome"] == .null } == true)
        }
        let plugin = try host.call("plugins.list").array!.first { $0["instance"] == "strategy" }!
        #expect(plugin["state"] == "started")
        #expect((plugin["errors"]?.integer ?? 0) >= 4)
        let events = try host.call("events.list", ["severity": "error"]).array ?? []
        #expect(events.contains { $0["message"]?.string?.contains("fixture: decide fails") == true })
    }

    @Test(.enabled(if: TestPaths.hasSharedData)) func aHangingStrategyIsCutOffAndDeclaredHung() throws {
        var hanging = Fixture.Variant("hanging-strategy")
        hanging.defines = ["FIXTURE_BEHAVIOUR": "2"]
        try Fixture.build(hanging, in: fixtures)
        let host = try TestHost(TestHost.config(
            plugins: [sim(), ["instance": "prices", "plugin": "manta.nem-file", "config": prices()],
                      ["instance": "strategy", "plugin": "test.fixture"]],
            vpps: [vpp], speed: 1500, extraPluginDirs: [fixtures],
            dispatch: ["deadline_ms": 50, "hung_after_ms": 300]))
        defer { try? host.stop() }
        #expect(try host.waitFor(15) { (try host.call("dispatch.history").array?.count ?? 0) >= 6 })
        let reasons = (try host.call("dispatch.history", ["limit": 100]).array ?? []).reversed().map { $0["reason"]?.string ?? "" }
        #expect(reasons.first?.hasPrefix("hold: no decision within 50 ms") == true)
        #expect(reasons.last?.contains("strategy strategy is hung") == true)
        let plugin = try host.call("plugins.list").array!.first { $0["instance"] == "strategy" }!
        #expect(plugin["state"] == "hung")
    }

    /// The whole host on each store backend: decisions, commands, outcomes
    /// and telemetry are read back from it through the API.
    @Test(.enabled(if: TestPaths.hasSharedData), arguments: TestStore.available)
    func thresholdChargesWhenCheapAndDischargesWhenDear(_ store: TestStore) throws {
        // 17 July 2022 in VIC1: -38 $/MWh until 14:30, 250-450 $/MWh from 14:55. Start at 14:20.
        let host = try TestHost(TestHost.config(
            plugins: [sim(homes: 3, publishMs: 30_000), ["instance": "prices", "plugin": "manta.nem-file", "config": prices()],
                      ["instance": "strategy", "plugin": "manta.threshold",
                       "config": ["charge_below": 40, "discharge_above": 300]]],
            vpps: [vpp], start: "2022-07-17T14:20:00+10:00", speed: 1200), name: "threshold-\(store)", store: store)
        defer { try? host.stop() }
        #expect(try host.waitFor(20) {
            (try host.call("dispatch.history", ["limit": 1]).array?.first?["interval_end"]?.string ?? "") >= "2022-07-17T15:30"
        })
        let history = (try host.call("dispatch.history", ["limit": 100, "commands": true]).array ?? []).reversed()
        for i in history {
            let price = i["price"]?.number ?? .nan
            let action = i["action"]?.string
            if price <= 40 { #expect(action == "charge", "\(i)") }
            if price >= 300 { #expect(action == "discharge", "\(i)") }
            if price > 40 && price < 300 { #expect(action == "hold", "\(i)") }
            #expect(i["status"] == "ok")
            for c in i["commands"]?.array ?? [] where c["outcome"] != .null {
                #expect(c["outcome"] == "applied")
            }
        }
        #expect(history.contains { $0["action"] == "charge" })
        #expect(history.contains { $0["action"] == "discharge" })
        // The batteries really moved: SOC rose while charging and fell while discharging.
        let soc = (try host.call("telemetry.history", ["device": "homes/home-001.battery", "point": "battery.soc", "limit": 1000]).array ?? [])
            .compactMap { $0["value"]?.number }
        let peak = soc.max() ?? 0
        #expect(peak > soc.first! + 0.05)
        #expect(soc.last! < peak - 0.05)
    }
}

extension HostBehaviour {
    @Test func operatorDeviceOverridesAndSiteRegions() throws {
        let host = try TestHost(TestHost.config(
            plugins: [sim(homes: 3), ["instance": "prices", "plugin": "manta.nem-file", "config": prices()],
                      ["instance": "strategy", "plugin": "manta.threshold"]],
            vpps: [vpp]).merging([
                "devices": [
                    ["id": "homes/home-002.battery", "enabled": false],
                    ["id": "homes/home-00*", "max_discharge_w": 2000, "max_charge_w": 9000, "soc_min": 0.2],
                    ["id": "homes/home-003.battery", "site": "farm"],
                ],
                "sites": [["id": "farm", "region": "SA1"], ["id": "home-*", "region": "VIC1"]],
            ]))
        defer { try? host.stop() }
        let devices = try host.call("devices.list", ["kind": "battery"]).array ?? []
        let one = devices.first { $0["id"] == "homes/home-001.battery" }!
        #expect(one["ratings"]?["max_discharge_w"] == 2000)  // tightened from 5000
        #expect(one["ratings"]?["max_charge_w"] == 5000)     // 9000 would loosen: ignored
        #expect(one["ratings"]?["soc_min"] == .double(0.2))
        #expect(devices.first { $0["id"] == "homes/home-002.battery" }?["enabled"] == false)
        #expect(devices.first { $0["id"] == "homes/home-003.battery" }?["site"] == "farm")
        // Only home-001 can trade in the VIC1 VPP: 002 is disabled, 003 is on an SA1 site.
        #expect(try host.call("vpps.list").array?.first?["members"] == 1)
        let warnings = try host.call("events.list", ["severity": "warning"]).array ?? []
        #expect(warnings.contains { $0["message"]?.string == "homes/home-003.battery is on site farm in SA1, not VIC1: left out" })
    }
}
