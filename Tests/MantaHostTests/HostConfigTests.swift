import MantaJSON
import MantaTestSupport
import Testing
@testable import MantaHost
@testable import MantaIO

/// The problems a config is refused with, or [] when it is accepted.
private func problems(_ json: JSON) -> [String] {
    do {
        _ = try HostConfig(json: json, path: "/etc/manta/manta.json")
        return []
    } catch {
        return error.problems
    }
}

@Suite struct HostConfigReading {
    @Test func theSchemaIsValid() throws {
        _ = try HostConfigSchema.schema.get()
    }

    @Test func anEmptyConfigTakesEveryDefaultFromTheSchema() throws {
        let c = try HostConfig(json: [:], path: "/etc/manta/manta.json")
        #expect(c.name == "manta")
        #expect(c.store.path == "/etc/manta/var/manta.db")  // relative to the config's folder
        #expect(c.store.synchronous == .full)
        #expect(c.store.commitIntervalMs == 200)
        #expect(c.store.maxBatchSamples == 200_000)
        #expect(c.api.host == "127.0.0.1" && c.api.port == 7420)
        #expect(c.api.maxMessageBytes == 1_048_576 && c.api.maxConnections == 256 && c.api.partialTimeoutMs == 30000)
        #expect(c.api.tokens.isEmpty)
        #expect(c.clock == .realtime)
        #expect(c.logLevel == .info)
        #expect(c.catalogPath == nil)
        #expect(c.pluginCallTimeoutMs == 10000)
        #expect(c.dispatch.historyIntervals == 288 && c.dispatch.deadlineMs == 2000 && c.dispatch.priceWaitMs == 60000)
        #expect(c.dispatch.maxTelemetryAgeMs == 60000 && c.dispatch.setpointGraceMs == 30000 && c.dispatch.hungAfterMs == 30000)
        #expect(c.maxQueuedSamples == 4_000_000 && c.staleAfterMs == 60000 && c.offlineAfterMs == 300_000)
    }

    @Test func everySectionDecodes() throws {
        let c = try HostConfig(json: [
            "name": "vic", "store": ["synchronous": "normal", "path": "/data/m.db"],
            "api": ["listen": "[::1]:7421"],
            "clock": ["mode": "replay", "start": "2022-07-17T00:00:00+10:00", "speed": 300],
            "log": ["level": "debug"], "catalog": "cat.json", "plugin_dirs": ["p"],
            "plugins": [["instance": "homes", "plugin": "manta.sim", "config": ["homes": 3]],
                        ["instance": "prices", "plugin": "manta.nem-file", "enabled": false],
                        ["instance": "t", "plugin": "manta.threshold"], ["instance": "u", "plugin": "manta.builtin"]],
            "sites": [["id": "home-0*", "region": "VIC1", "export_limit_w": 5000], ["id": "office", "loads_metered": true]],
            "devices": [["id": "homes/home-001.battery", "enabled": false, "max_charge_w": 2000, "soc_min": 0.2]],
            "vpps": [["id": "v", "region": "VIC1", "market": "prices", "strategy": "t", "drivers": ["homes"],
                      "negative_price_export_limit_w": 0, "arena": ["contenders": ["t", "u"], "hysteresis": 0.2]]],
        ], path: "/etc/manta/manta.json")
        #expect(c.store.synchronous == .normal && c.store.path == "/data/m.db")
        #expect(c.api.host == "::1" && c.api.port == 7421 && c.api.address == "[::1]:7421")
        #expect(c.clock == .replay(startMs: 1_657_980_000_000, speed: 300))
        #expect(c.logLevel == .debug)
        #expect(c.catalogPath == "/etc/manta/cat.json" && c.pluginDirs == ["/etc/manta/p"])
        #expect(c.instances.map(\.name) == ["homes", "prices", "t", "u"])
        #expect(c.instances[0].config == ["homes": 3] && c.instances[1].enabled == false && c.instances[1].config == [:])
        #expect(c.site("home-007")?.region == .vic1 && c.site("home-007")?.exportLimitW == 5000)
        #expect(c.site("home-007")?.loadsMetered == false && c.site("office")?.loadsMetered == true)
        #expect(c.site("office")?.region == nil && c.site("shed") == nil)
        let d = c.devices[0]
        #expect(d.enabled == false && d.limits.maxChargeW == 2000 && d.limits.socMin == 0.2)
        #expect(d.limits.maxDischargeW.isNaN && d.limits.socMax.isNaN)  // not given: the driver's rating stands
        let v = c.vpps[0]
        #expect(v.region == .vic1 && v.drivers == ["homes"] && v.sites == [] && v.negativePriceExportLimitW == 0)
        #expect(v.arena?.contenders == ["t", "u"] && v.arena?.hysteresis == 0.2)
        #expect(v.arena?.windowIntervals == 288 && v.arena?.minTenureIntervals == 12)
    }

    @Test func feederGroupsAreReadAndATwiceUsedIdOrBadLimitIsNamed() throws {
        let c = try HostConfig(json: ["feeders": [["id": "f12", "sites": ["home-0*", "school"], "export_limit_w": 30000]]],
                               path: "/etc/manta/manta.json")
        #expect(c.feeders == [.init(id: "f12", sites: ["home-0*", "school"], exportLimitW: 30000)])
        #expect(c.feeders[0].covers("home-012") && c.feeders[0].covers("school") && !c.feeders[0].covers("school-2"))
        #expect(problems(["feeders": [["id": "f", "sites": ["a"]], ["id": "f", "sites": ["b"]]]])
            == ["feeders[1].id: f is already the id of feeders[0]"])
        let bad = problems(["feeders": [["id": "f", "sites": [], "export_limit_w": -1]]])
        #expect(bad.count == 2 && bad.contains { $0.hasPrefix("feeders[0].sites") } && bad.contains { $0.hasPrefix("feeders[0].export_limit_w") },
                "\(bad)")
    }

    @Test func anUnknownSynchronousModeIsRefused() throws {
        #expect(problems(["store": ["synchronous": "fast"]]) == [#"store.synchronous: must be one of "full", "normal", got "fast""#])
        // The decoder refuses it on its own too, should a schema ever let it through.
        #expect(throws: JSONDecodeError(path: "synchronous", message: #"must be one of "full", "normal", got "fast""#)) {
            try JSONValueDecoder().decode(HostConfig.Store.self, from: [
                "path": "m.db", "commit_interval_ms": 200, "synchronous": "fast", "max_batch_samples": 1000,
            ])
        }
    }

    @Test func aBadConfigReportsEveryProblemAtOnceEachNamingItsField() {
        let found = problems([
            "colour": "blue",
            "api": ["listen": "0.0.0.0:7420"],
            "clock": ["mode": "replay"],
            "dispatch": ["deadline_ms": 5],
            "telemetry": ["stale_after_ms": 60000, "offline_after_ms": 30000],
            "plugins": [["instance": "a", "plugin": "manta.sim"], ["instance": "a", "plugin": "manta.sim"]],
            "vpps": [["id": "v", "region": "VIC1", "market": "m", "strategy": "a", "arena": ["contenders": ["ghost"]]],
                     ["id": "v", "region": "SA1", "market": "a", "strategy": "a", "drivers": ["nobody"]]],
        ])
        #expect(found == [
            "colour: unknown field (expected one of: $schema, name, role, mqtt, edge, store, api, clock, log, catalog, plugin_dirs, data_roots, library_dirs, plugin_call_timeout_ms, plugins, sites, devices, feeders, vpps, dispatch, trading, telemetry)",
            "dispatch.deadline_ms: must be >= 10, got 5",
            "api.listen: 0.0.0.0:7420 is reachable from other machines; set api.tokens, or listen on 127.0.0.1",
            #"clock.start: a replay clock needs a start time such as "2022-01-18T00:00:00+10:00""#,
            "telemetry.offline_after_ms (30000) must be longer than stale_after_ms (60000)",
            "plugins[1].instance: a is already the name of plugins[0]",
            "vpps[0].market: no plugin instance named m",
            "vpps[0].arena.contenders[0]: no plugin instance named ghost",
            "vpps[0]: name its members with drivers and/or sites",
            "vpps[1].id: v is used twice",
            "vpps[1].drivers[0]: no plugin instance named nobody",
        ])
    }

    @Test func shapeErrorsThatStopDecodingAreAllReportedTogether() {
        let found = problems(["store": ["synchronous": "fast", "commit_interval_ms": "often"], "api": ["listen": 7420],
                              "vpps": [["id": "v", "region": "VIC9", "market": "m", "strategy": "s"]]])
        #expect(found == [
            #"store.synchronous: must be one of "full", "normal", got "fast""#,
            "store.commit_interval_ms: must be integer, got string",
            "api.listen: must be string, got integer",
            #"vpps[0].region: must be one of "NSW1", "QLD1", "SA1", "TAS1", "VIC1", got "VIC9""#,
        ])
    }

    @Test func apiListenIsReadByHostPort() {
        #expect(problems(["api": ["listen": "localhost:99999"]])
            == [#"api.listen: must be HOST:PORT (e.g. 127.0.0.1:7420 or [::1]:7420), got "localhost:99999": the port must be 0...65535, got 99999"#])
        #expect(problems(["api": ["listen": "manta.example.com:7420"]]).first?.hasPrefix("api.listen: must be HOST:PORT") == true)
        #expect(problems(["api": ["listen": "::1:7420"]]).first?.hasSuffix("an IPv6 address goes in brackets, e.g. [::1]:7420") == true)
        #expect(problems(["api": ["listen": "localhost:7420"]]) == [])
        #expect(problems(["api": ["listen": "[::]:7420"]]) == ["api.listen: [::]:7420 is reachable from other machines; set api.tokens, or listen on 127.0.0.1"])
        #expect(problems(["api": ["listen": "0.0.0.0:7420", "tokens": [["name": "ops", "token": "0123456789abcdef"]]]]) == [])
    }

    /// What `mantad --listen` does after reading the file.
    @Test func theTokenRuleAppliesAfterAnOverrideOfTheAddress() throws {
        var c = try HostConfig(json: [:], path: "/etc/manta/manta.json")
        try c.api.listen(on: "0.0.0.0:0")
        #expect(c.api.host == "0.0.0.0" && c.api.port == 0)
        #expect(c.apiExposureProblems(field: "--listen")
            == ["--listen: 0.0.0.0:0 is reachable from other machines; set api.tokens, or listen on 127.0.0.1"])
        #expect(throws: HostConfig.Invalid.self) { try c.validateAPIExposure(field: "--listen") }
        try c.api.listen(on: "127.0.0.2:7000")
        try c.validateAPIExposure(field: "--listen")
        #expect(throws: HostPort.Invalid.self) { try c.api.listen(on: "127.0.0.1") }
        #expect(c.api.address == "127.0.0.2:7000")  // a refused address changes nothing
    }
}

@Suite struct HostPortParsing {
    private func reason(_ text: String) -> String {
        do { return "parsed: \(try HostPort.parse(text))" } catch { return error.description }
    }

    @Test func theThreeKindsOfHost() throws {
        #expect(try HostPort.parse("127.0.0.1:7420") == HostPort(host: "127.0.0.1", port: 7420, family: .ipv4))
        #expect(try HostPort.parse("localhost:0") == HostPort(host: "localhost", port: 0, family: .localhost))
        #expect(try HostPort.parse("[::1]:65535") == HostPort(host: "::1", port: 65535, family: .ipv6))
        #expect(try HostPort.parse("[fe80::1:2]:80").description == "[fe80::1:2]:80")
        #expect(try HostPort.parse("0.0.0.0:7420").isLoopback == false)
        #expect(try HostPort.parse("127.8.9.10:1").isLoopback)
        #expect(try HostPort.parse("[::1]:1").isLoopback && !(try HostPort.parse("[::2]:1").isLoopback))
    }

    @Test func eachMistakeIsNamed() {
        let prefix = "must be HOST:PORT (e.g. 127.0.0.1:7420 or [::1]:7420), got "
        for (text, why) in [
            ("127.0.0.1", "no :PORT"),
            ("127.0.0.1:", "no port after the colon"),
            (":7420", "no HOST before the port"),
            ("127.0.0.1:http", "the port must be a number 0...65535"),
            ("127.0.0.1:-1", "the port must be a number 0...65535"),
            ("127.0.0.1:65536", "the port must be 0...65535, got 65536"),
            ("256.0.0.1:80", "256.0.0.1: 256 is more than 255"),
            ("10.0.0.01:80", "10.0.0.01: 01 has a leading zero (octal to some readers)"),
            ("10.0.1:80", "10.0.1 is not an IPv4 address (four numbers 0-255 with dots), localhost or a bracketed IPv6 address"),
            ("example.com:80", "example.com is not an IPv4 address (four numbers 0-255 with dots), localhost or a bracketed IPv6 address"),
            ("::1:7420", "an IPv6 address goes in brackets, e.g. [::1]:7420"),
            ("[::1:7420", "the IPv6 address has no closing ]"),
            ("[::1]7420", "no :PORT after the IPv6 address"),
            ("[::g]:7420", "::g is not an IPv6 address"),
        ] {
            #expect(reason(text) == prefix + "\"\(text)\": " + why)
        }
    }
}
