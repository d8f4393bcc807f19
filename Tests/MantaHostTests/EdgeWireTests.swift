import MantaABI
import MantaJSON
import MantaModel
import Testing
@testable import MantaHost

/// The edge protocol's payloads (docs/EDGE.md), the broker URL, and what a
/// config with a role is refused for.
@Suite struct EdgeWireFormat {
    @Test func aTelemetryBatchReadsBackSampleForSample() throws {
        let samples = [
            Sample(device: 7, point: 3, timeMs: 1_700_000_000_500, value: -2500.5, quality: .good),
            Sample(device: 7, point: 9, timeMs: 1_700_000_000_000, value: 0.42, quality: .estimated),
            Sample(device: 12, point: 3, timeMs: 1_700_000_001_000, value: .nan, quality: .invalid),
        ]
        let names: [UInt32: String] = [3: "ac.w", 9: "soc"]
        let bytes = EdgeWire.encode(.init(seq: 41, samples: samples)) { names[$0] }
        let o = try EdgeWire.decode(bytes)
        #expect(o["t0"]?.integer == 1_700_000_000_000)  // times go as offsets from the earliest
        let b = try EdgeWire.batch(o)
        #expect(b.seq == 41 && b.samples.count == 3)
        #expect(b.samples[0].device == 7 && b.samples[0].point == "ac.w" && b.samples[0].timeMs == 1_700_000_000_500
                    && b.samples[0].value == -2500.5 && b.samples[0].quality == .good)
        #expect(b.samples[1].point == "soc" && b.samples[1].quality == .estimated)
        #expect(b.samples[2].value.isNaN && b.samples[2].quality == .invalid)  // NaN travels as null
    }

    @Test func hostileBatchesAreRefusedNamingTheField() {
        func why(_ text: String) -> String {
            do { _ = try EdgeWire.batch(try EdgeWire.decode(Array(text.utf8))); return "" } catch { return error.message }
        }
        #expect(why(#"{"seq":0,"t0":1,"points":[],"s":[]}"#) == "seq: expected an integer >= 1")
        #expect(why(#"{"seq":1,"t0":-5,"points":[],"s":[]}"#) == "t0: expected ms since 1970, before 10000")
        #expect(why(#"{"seq":1,"t0":1,"points":["w"],"s":[[1,1,0,5,0]]}"#) == "s[0]: expected [device, point, dt_ms, value, quality]")
        #expect(why(#"{"seq":1,"t0":1,"points":["w"],"s":[[1,0,0,5,99]]}"#) == "s[0]: expected [device, point, dt_ms, value, quality]")
        #expect(why(#"{"seq":1,"t0":1,"points":["w"],"s":[[-1,0,0,5,0]]}"#) == "s[0]: expected [device, point, dt_ms, value, quality]")
        #expect(why("[1,2]") == "not a JSON object")
        #expect(why("{\"seq\":") .hasPrefix("not JSON"))
    }

    @Test func setpointsGoOutAndComeBackWithTheirValidity() throws {
        let s = Setpoint(device: 3, mode: .activePower, commandID: 77, value: -1500, validFromMs: 1000, validUntilMs: 61_000)
        let o = try EdgeWire.decode(EdgeWire.setpointsPayload([.init(device: "homes/h1.battery", setpoint: s)]))
        guard case .success(let r)? = try EdgeWire.setpoints(o).first else { Issue.record("not read back"); return }
        #expect(r.device == "homes/h1.battery" && r.setpoint.commandID == 77 && r.setpoint.value == -1500)
        #expect(r.setpoint.validFromMs == 1000 && r.setpoint.validUntilMs == 61_000 && r.setpoint.mode == .activePower)
        let bad = try EdgeWire.setpoints(EdgeWire.decode(Array(#"{"setpoints":[{"command_id":5,"device":"x","mode":"active_power","value":1e12,"valid_from_ms":1,"valid_until_ms":2}]}"#.utf8)))
        guard case .failure(let refusal)? = bad.first else { Issue.record("1e12 W accepted"); return }
        #expect(refusal.commandID == 5 && refusal.why.contains("|W| <= 1e9"))
    }

    @Test func topicsAreOnlyOurs() {
        #expect(EdgeWire.parse("manta/it/e1/telemetry", fleet: "it")! == ("e1", .telemetry))
        #expect(EdgeWire.parse("manta/other/e1/telemetry", fleet: "it") == nil)
        #expect(EdgeWire.parse("manta/it/e1/telemetry/x", fleet: "it") == nil)
        #expect(EdgeWire.parse("manta/it/e1/bogus", fleet: "it") == nil)
        #expect(!EdgeWire.validSegment("a/b") && !EdgeWire.validSegment("+") && !EdgeWire.validSegment("") && EdgeWire.validSegment("edge-7"))
    }

    @Test func brokerURLs() throws {
        #expect(try MQTTURL.parse("mqtt://127.0.0.1:1883").get() == MQTTURL(host: "127.0.0.1", port: 1883))
        #expect(try MQTTURL.parse("mqtt://broker.local").get() == MQTTURL(host: "broker.local", port: 1883))
        #expect(try MQTTURL.parse("mqtt://[::1]:8883").get().description == "mqtt://[::1]:8883")
        #expect(try MQTTURL.parse("mqtts://broker.local").get() == MQTTURL(host: "broker.local", port: 8883, tls: true))
        #expect(try MQTTURL.parse("mqtts://10.0.0.5:18883").get().description == "mqtts://10.0.0.5:18883")
        for bad in ["tcp://x:1", "mqtt://", "mqtt://x:0", "mqtt://x:70000", "mqtt://u@x:1", "mqtt://x:1/path", "mqtts://", "mqtts://u:p@x"] {
            #expect(throws: MQTTError.self, "\(bad)") { try MQTTURL.parse(bad).get() }
        }
    }

    @Test func aRoleNeedsWhatItUses() {
        func problems(_ json: JSON) -> [String] {
            do { _ = try HostConfig(json: json, path: "/etc/manta/manta.json"); return [] } catch { return error.problems }
        }
        #expect(problems(["role": "edge", "mqtt": ["url": "mqtt://127.0.0.1:1883"]]) == [])
        #expect(problems(["role": "edge", "mqtt": ["url": "http://127.0.0.1"]])
            == ["mqtt.url: http://127.0.0.1: a broker URL starts with mqtt:// or mqtts:// (TLS)"])
        // A login: the password from a file or the environment, never in clear over the network.
        #expect(problems(["role": "edge", "mqtt": ["url": "mqtt://10.0.0.5", "username": "e1", "password_env": "HOME"]])
            == ["mqtt.url: a password would cross the network in clear to 10.0.0.5; use mqtts://"])
        #expect(problems(["role": "edge", "mqtt": ["url": "mqtts://10.0.0.5", "username": "e1", "password_env": "HOME"]]) == [])
        #expect(problems(["role": "edge", "mqtt": ["url": "mqtt://127.0.0.1", "username": "e1", "password_env": "HOME"]]) == [])
        #expect(problems(["role": "edge", "mqtt": ["password_env": "HOME"]]) == ["mqtt.username: needed with a password"])
        #expect(problems(["role": "edge", "mqtt": ["username": "e1", "password_env": "MANTA_NOT_SET_ANYWHERE"]])
            == ["mqtt.password_env: MANTA_NOT_SET_ANYWHERE is not set in mantad's environment"])
        #expect(problems(["role": "edge", "mqtt": ["username": "e1", "password_file": "/nonexistent/pw"]])
            == ["mqtt.password_file: /nonexistent/pw is not a readable regular file of at most 4 KiB"])
        #expect(problems(["role": "edge", "mqtt": ["username": "e1", "password_file": "/etc/hostname", "password_env": "HOME"]])
            == ["mqtt: give the password one way, password_file or password_env"])
        #expect(problems(["role": "edge", "mqtt": ["ca_file": "/etc/hostname"]]) == ["mqtt.ca_file: only for an mqtts:// broker"])
        #expect(problems(["role": "edge", "mqtt": ["url": "mqtts://x", "ca_file": "/nonexistent/ca.pem"]])
            == ["mqtt.ca_file: /nonexistent/ca.pem is not a readable regular file"])
        #expect(problems(["role": "edge", "edge": ["id": "a/b"]]) == ["edge.id: a/b must be one topic level (no /, + or #, at most 64 bytes)"])
        #expect(problems(["role": "control", "clock": ["mode": "replay", "start": "2022-01-18T00:00:00+10:00"]])
            == ["clock: role control needs the realtime clock (edges and their control host must share one time)"])
        #expect(problems(["store": ["backend": "postgres", "url": "postgresql://localhost/manta"]]) == [])
        #expect(problems(["role": "control", "store": ["backend": "postgres", "url": "postgresql://manta@db:5432/fleet"]]) == [])
        #expect(problems(["store": ["backend": "postgres"]])
            == ["store.url: needed with store.backend postgres (e.g. postgresql://manta@127.0.0.1:5432/manta)"])
        #expect(problems(["store": ["backend": "postgres", "url": "host=db password=secret"]])
            == ["store.url: not a PostgreSQL URI (it starts postgresql:// or postgres://, e.g. postgresql://USER@HOST[:PORT]/DATABASE)"])
        #expect(problems(["role": "edge", "store": ["backend": "postgres", "url": "postgresql://localhost/manta"]])
            == ["store.backend: an edge keeps its store and outbox in SQLite on its own disk (it must run with no network); use sqlite"])
        #expect(problems(["role": "mesh"]).first?.hasPrefix("role: ") == true)
        let c = try? HostConfig(json: ["name": "depot-3", "role": "edge"], path: "/etc/manta/manta.json")
        #expect(c?.edgeID == "depot-3" && c?.mqtt.url == "mqtt://127.0.0.1:1883" && c?.mqtt.fleet == "manta" && c?.edge.window == 64)
    }
}
