import Foundation
import MantaJSON
import MantaSDK
import MantaTestSupport
import Testing
@testable import MantaHost

/// Runs a built executable; returns its exit status and output.
func run(_ executable: String, _ args: [String], cwd: String = TestPaths.root) throws -> (status: Int32, out: String, err: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: TestPaths.product(executable))
    p.arguments = args
    p.currentDirectoryURL = URL(fileURLWithPath: cwd)
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

@Suite struct PluginCheck {
    let fixtures = TestPaths.temporaryFolder("check")

    @Test(arguments: ["libmanta_sim.so", "libmanta_nem_file.so", "libmanta_nemweb.so", "libmanta_threshold.so",
                      "libmanta_builtin.so", "libmanta_python.so", "libmanta_sunspec.so", "libmanta_modbus.so"])
    func everyFirstPartyPluginPasses(_ library: String) throws {
        let r = try run("manta", ["plugin", "check", TestPaths.product(library), "--json"])
        let report = try JSON.parse(r.out)
        #expect(r.status == 0, "\(r.out)\(r.err)")
        #expect(report["passed"] == true)
        let steps = report["checks"]?.array?.compactMap { $0["step"]?.string } ?? []
        for step in ["manifest", "exports", "load", "init", "create", "start", "stop", "destroy", "deinit"] {
            #expect(steps.contains(step), "missing step \(step)")
        }
        #expect(report["checks"]?.array?.allSatisfy { $0["status"] != "FAIL" } == true)
    }

    @Test func aCrashIsReportedAsAFailedStepNamingTheSignal() throws {
        var v = Fixture.Variant("crash-on-start")
        v.defines["FIXTURE_BEHAVIOUR"] = "3"
        let dir = try Fixture.build(v, in: fixtures)
        let r = try run("manta", ["plugin", "check", "\(dir)/libcrash-on-start.so", "--plugin-dir", fixtures])
        #expect(r.status == 1)
        #expect(r.out.contains("FAIL  start      the plugin crashed: signal 11 (Segmentation fault) during start"), "\(r.out)")
        #expect(r.out.contains("PASS  create"))
    }

    @Test func aWrongMajorFailsTheLoadStep() throws {
        var v = Fixture.Variant("check-major2")
        v.defines["FIXTURE_ABI_MAJOR"] = "2"
        let dir = try Fixture.build(v, in: fixtures)
        let r = try run("manta", ["plugin", "check", "\(dir)/libcheck-major2.so", "--manifest", "\(dir)/manifest.json"])
        #expect(r.status == 1)
        #expect(r.out.contains("FAIL  load       built for ABI major 2; this host speaks ABI 1.\(MANTA_ABI_MINOR)"), "\(r.out)")
    }

    @Test func aConfigThatViolatesTheSchemaIsNamed() throws {
        let r = try run("manta", ["plugin", "check", TestPaths.product("libmanta_sim.so"), "--config", #"{"homes": "many"}"#])
        #expect(r.status == 1)
        #expect(r.out.contains("homes: must be integer, got string"), "\(r.out)")
    }

    @Test func aFileThatIsNotAPluginSaysSo() throws {
        let r = try run("manta", ["plugin", "check", TestPaths.product("libmanta_sim.so") + ".missing"])
        #expect(r.status == 1)
        #expect(r.out.contains("no such file"))
    }
}

@Suite struct DaemonConfig {
    @Test func configErrorsAreListedWithTheirFieldsAndExitTwo() throws {
        let dir = TestPaths.temporaryFolder("badconfig")
        let config: JSON = [
            "api": ["listen": "0.0.0.0:7420"],
            "clock": ["mode": "replay"],
            "plugins": [["instance": "a", "plugin": "manta.sim"], ["instance": "a", "plugin": "manta.sim"]],
            "vpps": [["id": "v", "region": "VIC9", "market": "m", "strategy": "s"]],
            "colour": "blue",
        ]
        try config.pretty().write(toFile: "\(dir)/manta.json", atomically: true, encoding: .utf8)
        let r = try run("mantad", ["--config", "\(dir)/manta.json"])
        #expect(r.status == 2)
        // Shape errors are reported together first...
        #expect(r.err.contains("colour: unknown field"))
        #expect(r.err.contains("vpps[0].region: must be one of"))
        // ...then, once the shape is right, the references.
        let fixed: JSON = [
            "api": ["listen": "0.0.0.0:7420"], "clock": ["mode": "replay"],
            "plugins": [["instance": "a", "plugin": "manta.sim"], ["instance": "a", "plugin": "manta.sim"]],
            "vpps": [["id": "v", "region": "VIC1", "market": "m", "strategy": "s"]],
        ]
        try fixed.pretty().write(toFile: "\(dir)/manta.json", atomically: true, encoding: .utf8)
        let r2 = try run("mantad", ["--config", "\(dir)/manta.json"])
        #expect(r2.status == 2)
        for problem in ["api.listen: 0.0.0.0:7420 is reachable from other machines",
                        "clock.start: a replay clock needs a start time",
                        "plugins[1].instance: a is already the name of plugins[0]",
                        "vpps[0].market: no plugin instance named m",
                        "vpps[0]: name its members with drivers and/or sites"] {
            #expect(r2.err.contains(problem), "missing: \(problem)\n\(r2.err)")
        }
    }

    @Test func rpcCommandTalksToARunningHost() throws {
        let host = try TestHost(TestHost.config(plugins: [
            ["instance": "homes", "plugin": "manta.sim", "config": ["homes": 2]],
        ]))
        defer { try? host.stop() }
        let info = try run("manta", ["rpc", "host.info", "--rpc", host.address, "--json"])
        #expect(info.status == 0)
        #expect(try JSON.parse(info.out)["abi"]?["major"] == 1)
        let devices = try run("manta", ["rpc", "devices.list", "kind=battery", "--rpc", host.address])
        #expect(devices.out.contains("homes/home-001.battery"))
        #expect(!devices.out.contains("home-001.pv"))
        let bad = try run("manta", ["rpc", "no.such", "--rpc", host.address])
        #expect(bad.status == 1)
        #expect(bad.out.contains("error -32601: Method not found: no.such"))
        let down = try run("manta", ["rpc", "host.info", "--rpc", "127.0.0.1:1"])
        #expect(down.status == 2)
        #expect(down.err.contains("cannot reach mantad at 127.0.0.1:1"))
    }
}
