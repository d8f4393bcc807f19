import Foundation
import MantaJSON
import MantaSDK
import MantaTestSupport
import Testing
@testable import MantaHost

/// ABI rule 3 (structs grow by appending; readers check struct_size),
/// proven both ways with real binaries: C plugins built from the frozen 1.0
/// headers and from headers one minor newer than the host's run in a real
/// host, and a C host built from the 1.0 headers runs a plugin built with
/// today's kit. Every struct that crosses the ABI is exercised.
@Suite(.serialized) struct ABIGrowth {
    let root = TestPaths.temporaryFolder("abi-growth")

    /// Builds Tests/Fixtures/abi/abi_fixture.c as a driver, a strategy and a
    /// market against `headers`; returns the plugin folder.
    /// Headers a minor ahead of the SDK's, written from today's by
    /// make_next.py (so they never drift from them): every growable struct
    /// with a field appended.
    func nextHeaders() throws -> String {
        let out = "\(root)/next-headers"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "\(TestPaths.root)/Tests/Fixtures/abi/make_next.py", out]
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw CocoaError(.executableLoad) }
        return out
    }

    func buildTrio(_ tag: String, headers: String, minor: Int, minHostMinor: Int) throws -> String {
        let dir = "\(root)/\(tag)"
        for (kind, code) in [("driver", 1), ("strategy", 2), ("market", 3)] {
            var v = Fixture.Variant("\(tag)-\(kind)")
            v.source = "Tests/Fixtures/abi/abi_fixture.c"
            v.headers = headers
            v.id = "test.\(tag)-\(kind)"
            v.kind = kind
            v.abi = (1, minor)
            v.defines = ["KIND": String(code), "FIXTURE_ID": "\"test.\(tag)-\(kind)\"", "MIN_HOST_MINOR": String(minHostMinor)]
            try Fixture.build(v, in: dir)
        }
        return dir
    }

    struct Run {
        var history: [JSON]
        var devices: [JSON]
        var plugins: [JSON]
        var soc: JSON?
        var published: [JSON]
        var fetched: [JSON]
        var bid: JSON
        var reports: [String: [String]]
    }

    /// Runs the trio as one VPP in a real host until a few intervals have
    /// been decided and applied, asks for prices and a bid, stops the host
    /// and collects what each fixture reported.
    func run(_ tag: String, _ dir: String) throws -> Run {
        let report = { (kind: String) in "\(root)/\(tag)-\(kind).report" }
        let host = try TestHost(TestHost.config(
            plugins: [
                ["instance": "dev", "plugin": .string("test.\(tag)-driver"), "config": ["report": .string(report("driver"))]],
                ["instance": "prices", "plugin": .string("test.\(tag)-market"), "config": ["report": .string(report("market"))]],
                ["instance": "strategy", "plugin": .string("test.\(tag)-strategy"), "config": ["report": .string(report("strategy"))]],
            ],
            vpps: [["id": "vpp", "region": "VIC1", "market": "prices", "strategy": "strategy", "drivers": ["dev"]]],
            extraPluginDirs: [dir]))
        var stopped = false
        defer { if !stopped { try? host.stop() } }
        let decided = try host.waitFor(20) {
            let h = try host.call("dispatch.history", ["limit": 10, "commands": true]).array ?? []
            return Self.applied(h).count >= 3
        }
        #expect(decided, "fewer than 3 intervals applied")
        let now = try host.call("host.info")["clock"]?["now_ms"]?.integer ?? 0
        let end = (now / 300_000 + 1) * 300_000
        let r = Run(
            history: try host.call("dispatch.history", ["limit": 10, "commands": true]).array ?? [],
            devices: try host.call("devices.list", ["instance": "dev"]).array ?? [],
            plugins: try host.call("plugins.list").array ?? [],
            soc: try host.call("telemetry.latest", ["device": "dev/battery-1", "point": "battery.soc"]).array?.first,
            published: try host.call("market.prices", ["region": "VIC1", "limit": 500]).array ?? [],
            fetched: try host.call("market.prices", ["region": "VIC1", "fetch": true, "from": .int(now - 7_200_000),
                                                     "to": .int(now), "limit": 500]).array ?? [],
            bid: try host.call("market.bid", ["region": "VIC1", "interval_end": .int(end), "quantity_mw": 1.5, "price": 20]),
            reports: [:])
        try host.stop()
        stopped = true
        var out = r
        for kind in ["driver", "strategy", "market"] {
            out.reports[kind] = (try? String(contentsOfFile: report(kind), encoding: .utf8))?.split(separator: "\n").map(String.init) ?? []
        }
        return out
    }

    /// Intervals whose setpoints reached the driver, leaving out one decided
    /// before the driver's first samples were in: that one is degraded by
    /// design ("no member's state of charge is known"), and may come first.
    static func applied(_ history: [JSON]) -> [JSON] {
        history.filter { i in
            (i["commands"]?.array ?? []).contains { $0["outcome"] != .null }
                && !(i["status"] == "degraded" && i["reason"]?.string?.hasPrefix("degraded: no member's state of charge is known") == true)
        }
    }

    static func rrp(_ endMs: Int64) -> Double { 10 + Double((endMs / 300_000) % 100) }

    /// What every fixture run must show, whatever minor it was built for.
    func expectWorked(_ r: Run, built minor: Int, minHostMinor: Int) {
        // Devices described.
        #expect(r.devices.compactMap { $0["id"]?.string }.sorted() == ["dev/battery-1", "dev/battery-2"])
        #expect(r.devices.allSatisfy { $0["model"]?.string == (minor == 0 ? "v1.0" : "next") && $0["site"] == "abi-site" })
        #expect(r.devices.first?["ratings"]?["capacity_wh"] == 10_000)
        // Samples ingested.
        #expect(r.soc?["value"] == .double(0.5))
        // Decisions made by the fixture strategy, setpoints applied by the fixture driver.
        let applied = Self.applied(r.history)
        #expect(applied.count >= 3)
        for i in applied {
            let price = i["price"]?.number ?? .nan
            #expect(price == Self.rrp(i["interval_end_ms"]?.integer ?? 0), "\(i)")
            #expect(i["status"] == "ok")
            #expect(i["reason"]?.string == String(format: "abi fixture %d: price %.2f, 2 assets", minor, price))
            let how = minor == 0 ? "apply_setpoint" : "apply_setpoints"
            for c in i["commands"]?.array ?? [] where c["outcome"] != .null {
                #expect(c["outcome"] == "applied", "\(c)")
                #expect(c["message"]?.string == "abi fixture \(minor), \(how): command \(c["command_id"]?.integer ?? -1)")
            }
        }
        // Prices published (through manta.host.market/1) and fetched, as the fixture made them.
        #expect(r.published.count >= 12)
        #expect(r.fetched.count >= 12)
        for p in r.published + r.fetched {
            #expect(p["rrp"]?.number == Self.rrp(p["interval_end_ms"]?.integer ?? 0), "\(p)")
            #expect(p["demand_mw"] == 4321 && p["region"] == "VIC1" && p["firm"] == true)
            // FCAS from 1.2 on, only where its bit is set; a 1.0 price has none.
            #expect(p["fcas"] == (minor >= 2 ? ["RAISE6SEC": 1.25] : .object(JSONObject())), "\(p)")
        }
        // A bid answered.
        let end = r.bid["interval_end"]?.string ?? ""
        #expect(r.bid["status"] == "not_cleared" || r.bid["status"] == "cleared")
        #expect(r.bid["message"]?.string?.hasPrefix("abi fixture \(minor): bid ") == true, "\(r.bid) \(end)")
        #expect(r.bid["cleared_mw"]?.number == (r.bid["status"] == "cleared" ? 1.5 : 0))
        // Loaded as what they are.
        for kind in ["dev", "prices", "strategy"] {
            let p = r.plugins.first { $0["instance"]?.string == kind }
            #expect(p?["state"] == "stopped" || p?["state"] == "started")
            #expect(p?["abi"]?["minor"]?.integer == Int64(minor))
            #expect(p?["abi"]?["min_host_minor"]?.integer == Int64(minHostMinor))
        }
        // What the fixtures saw of the host's structs: the host's sizes.
        let all = r.reports.values.flatMap { $0 }
        for line in ["manta_host_t.struct_size=128", "host.abi=1.\(MANTA_ABI_MINOR)", "manta_host_market_t.struct_size=16",
                     "manta_host_devices_t.struct_size=16"] {
            #expect(r.reports.values.allSatisfy { $0.contains(line) }, "every instance saw \(line)")
        }
        for line in ["manta_device_info_t.struct_size=152", "manta_setpoint_t.struct_size=\(MemoryLayout<manta_setpoint_t>.size)",
                     "manta_setpoint_result_t.struct_size=144"] {
            #expect(r.reports["driver"]?.contains(line) == true, "\(line)")
        }
        for line in ["manta_observation_t.struct_size=\(MemoryLayout<manta_observation_t>.size)",
                     "manta_decision_t.struct_size=\(MemoryLayout<manta_decision_t>.size)",
                     "asset_stride=\(MemoryLayout<manta_asset_state_t>.stride)",
                     "manta_asset_state_t.struct_size=\(MemoryLayout<manta_asset_state_t>.size)", "asset=dev/battery-1 soc=0.500", "asset=dev/battery-2 soc=0.500"] {
            #expect(r.reports["strategy"]?.contains(line) == true, "\(line)")
        }
        for line in ["manta_bid_t.struct_size=56", "manta_bid_result_t.struct_size=152", "fetch region=VIC1"] {
            #expect(r.reports["market"]?.contains(line) == true, "\(line)")
        }
        #expect(all.contains { $0.hasPrefix("destroyed ") })
    }

    @Test(.timeLimit(.minutes(2))) func pluginsBuiltAgainstTheFrozenV10HeadersRunOnThisHost() throws {
        let dir = try buildTrio("v10", headers: "Tests/Fixtures/abi/v1.0", minor: 0, minHostMinor: 0)
        let r = try run("v10", dir)
        expectWorked(r, built: 0, minHostMinor: 0)
        let driver = r.reports["driver"] ?? []
        #expect(driver.contains("built.minor=0"))
        // A 1.0 driver table has no apply_setpoints: one call per setpoint.
        #expect(driver.contains { $0.hasPrefix("apply_setpoint device=") })
        #expect(!driver.contains { $0.hasPrefix("apply_setpoints") })
        #expect(driver.last?.hasPrefix("destroyed single=") == true && driver.last?.contains(" batch=0 ") == true)
    }

    @Test(.timeLimit(.minutes(2))) func pluginsBuiltAgainstNewerHeadersRunOnThisHostAndSeeNoNewerFields() throws {
        let dir = try buildTrio("next", headers: try nextHeaders(), minor: Int(MANTA_ABI_MINOR) + 1, minHostMinor: 1)
        let r = try run("next", dir)
        expectWorked(r, built: Int(MANTA_ABI_MINOR) + 1, minHostMinor: 1)
        let has = { (kind: String, type: String) in r.reports[kind]?.filter { $0.hasPrefix("\(type).has_next=") } ?? [] }
        // Each fixture asked MANTA_HAS_FIELD of every host struct it was given; none has the appended field.
        for (kind, types) in [
            ("driver", ["manta_host_t", "manta_host_market_t", "manta_host_devices_t", "manta_device_info_t",
                        "manta_setpoint_t", "manta_setpoint_result_t"]),
            ("strategy", ["manta_host_t", "manta_observation_t", "manta_asset_state_t", "manta_decision_t"]),
            ("market", ["manta_host_t", "manta_bid_t", "manta_bid_result_t"]),
        ] {
            for type in types {
                #expect(!has(kind, type).isEmpty, "\(kind) never checked \(type)")
                #expect(has(kind, type).allSatisfy { $0 == "\(type).has_next=0" }, "\(kind): \(type)")
            }
        }
        let driver = r.reports["driver"] ?? []
        // A 1.1 driver table has apply_setpoints: one call for the two batteries, never one by one.
        #expect(driver.contains("apply_setpoints count=2 stride=\(MemoryLayout<manta_setpoint_t>.stride) result_stride=144"))
        #expect(!driver.contains { $0.hasPrefix("apply_setpoint device=") })
        // Prices were published with the plugin's larger stride (today's manta_price_t and its next_field) and read by it.
        let stride = MemoryLayout<manta_price_t>.size + 8
        #expect(r.reports["market"]?.contains { $0.hasPrefix("published=36 rc=0 stride=\(stride)") } == true)
    }

    @Test func theHostReadsTablesNoFurtherThanTheirStructSize() throws {
        let old = try buildTrio("tables-v10", headers: "Tests/Fixtures/abi/v1.0", minor: 0, minHostMinor: 0)
        let next = try buildTrio("tables-next", headers: try nextHeaders(), minor: Int(MANTA_ABI_MINOR) + 1, minHostMinor: 1)
        func load(_ dir: String, _ name: String, hostMinor: UInt32 = ModuleLoader.hostMinor) throws -> LoadedModule {
            try ModuleLoader.load(try Manifest.load("\(dir)/\(name)/manifest.json"), path: "\(dir)/\(name)/lib\(name).so",
                                  hostMinor: hostMinor)
        }
        let v10 = try load(old, "tables-v10-driver"), v12 = try load(next, "tables-next-driver")
        #expect((v10.tableSize, v10.kindTableSize) == (120, 32))
        #expect((v12.tableSize, v12.kindTableSize) == (128, 48))
        #expect(!DriverCalls.hasBatch(v10))
        #expect(DriverCalls.hasBatch(v12))
        #expect(try load(old, "tables-v10-strategy").kindTableSize == 16)
        #expect(try load(next, "tables-next-market").kindTableSize == 32)
        // A module that needs host minor 1 declines a 1.0 host (and the host would refuse it).
        do {
            _ = try load(next, "tables-next-strategy", hostMinor: 0)
            Issue.record("a 1.0 host loaded a module needing 1.1")
        } catch {
            #expect((error as? PluginRefusal)?.reason == "the module declined this host (ABI 1.0): its entry returned NULL")
        }
    }

    @Test func aKitPluginRunsUnderAHostBuiltAgainstTheV10Headers() throws {
        let exe = "\(root)/old_host"
        let cc = Process()
        cc.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        cc.arguments = ["cc", "-std=c11", "-Wall", "-Werror", "-I", "\(TestPaths.root)/Tests/Fixtures/abi/v1.0",
                        "\(TestPaths.root)/Tests/Fixtures/abi/old_host.c", "-o", exe, "-ldl"]
        try cc.run()
        cc.waitUntilExit()
        #expect(cc.terminationStatus == 0)
        // The sim driver's config as a host fills it: the manifest's defaults.
        let manifest = try Manifest.load("\(TestPaths.root)/Plugins/drivers/sim/manifest.json")
        let config = manifest.configSchema.applyingDefaults(to: ["homes": 2, "publish_interval_ms": 60_000])
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = [TestPaths.product("libmanta_sim.so"), config.serialized()]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(text)")
        let lines = text.split(separator: "\n").map(String.init)
        for expected in [
            "module: struct_size=120 abi=1.\(MANTA_ABI_MINOR) min_host_minor=0 id=manta.sim kind=1",
            "driver: struct_size=40 (this host reads 32)",
            "init: 0", "host: struct_size=128 abi=1.0", "create: ok", "start: 0", "device_count: 4",
            "setpoint charge: rc=0 outcome=1 applied=-2000.0 message=",
            "setpoint pv-limit: rc=0 outcome=1 applied=0.0 message=",
            "setpoint no-device: rc=0 outcome=3 applied=nan message=no device 4",
            "setpoint clamped: rc=0 outcome=2 applied=5000.0 message=limited to the inverter rating",
            "stop: ok", "destroy: ok", "deinit: ok", "guards: intact", "link_state calls: 0, errors: 0",
        ] {
            #expect(lines.contains(expected), "missing \(expected) in\n\(text)")
        }
        #expect(lines.contains { $0.hasPrefix("device 0: rc=0 struct_size=152 kind=2 key=home-001.battery site=home-001 max_discharge=5000") })
        #expect(lines.contains { $0.hasPrefix("device 1: rc=0 struct_size=152 kind=1 key=home-001.pv site=home-001") })
        // 12 samples at start (2 homes), 12 more per callback; the battery charged.
        #expect(lines.contains { $0.hasPrefix("after start: samples=12 callback_delay=60000 ") })
        let after = lines.first { $0.hasPrefix("after callbacks: ") } ?? ""
        #expect(after.hasPrefix("after callbacks: samples=132 "), "\(after)")
        let socs = after.split(separator: " ").compactMap { f -> Double? in
            f.hasPrefix("soc_") ? Double(f.split(separator: "=").last ?? "") : nil
        }
        #expect(socs.count == 2 && socs[1] > socs[0] + 0.01, "\(after)")
    }
}
