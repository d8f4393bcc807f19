import MantaABI
import MantaJSON
import MantaModel

/// The topics and payloads edge and control hosts exchange through the
/// broker (docs/EDGE.md is the reference; keep the two in step).
///
/// Every payload is a JSON object; QoS 1 throughout. Edge to control, under
/// `manta/<fleet>/<edge>/`: `devices` and `health` (retained), `telemetry`,
/// `outcomes`. Control to edge: `setpoints`, `acks`, and
/// `manta/<fleet>/control/hello` to every edge.
enum EdgeWire {
    /// A topic segment: what MQTT allows in one level, without wildcards.
    static func validSegment(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.count <= 64 && !s.contains { $0 == "/" || $0 == "+" || $0 == "#" || $0 == "\0" }
    }

    static func topic(_ fleet: String, _ edge: String, _ leaf: Leaf) -> String { "manta/\(fleet)/\(edge)/\(leaf.rawValue)" }
    static func hello(_ fleet: String) -> String { "manta/\(fleet)/control/hello" }

    enum Leaf: String, CaseIterable {
        case devices, health, telemetry, outcomes, setpoints, acks
    }

    /// The edge and leaf of `topic` under `fleet`, if it is one of ours.
    static func parse(_ topic: String, fleet: String) -> (edge: String, leaf: Leaf)? {
        let parts = topic.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "manta", parts[1] == fleet, let leaf = Leaf(rawValue: String(parts[3])) else { return nil }
        return (String(parts[2]), leaf)
    }

    /// Payloads larger than this are refused unread (a telemetry batch of
    /// 100,000 samples is about 3 MB).
    static let maxPayloadBytes = 32 << 20
    /// Samples one telemetry batch may carry.
    static let maxSamplesPerBatch = 1_000_000

    static func decode(_ payload: [UInt8]) throws(WireError) -> JSONObject {
        guard payload.count <= maxPayloadBytes else { throw WireError("payload of \(payload.count) bytes is over \(maxPayloadBytes)") }
        let json: JSON
        do { json = try payload.withUnsafeBytes { b throws(JSONParseError) in try JSON.parse(b) } } catch {
            throw WireError("not JSON: \(error)")
        }
        guard let o = json.object else { throw WireError("not a JSON object") }
        return o
    }

    static func bytes(_ o: JSONObject) -> [UInt8] {
        var out: [UInt8] = []
        JSON.object(o).write(to: &out)
        return out
    }

    // MARK: telemetry

    /// One batch of accepted samples, numbered from 1 per edge. Devices are
    /// the edge's device numbers (its `devices` message says which); points
    /// index the batch's own `points` names; times are ms after `t0`.
    struct Batch: Sendable, Equatable {
        var seq: Int64
        var samples: [Sample]
    }

    static func encode(_ b: Batch, pointName: (UInt32) -> String?) -> [UInt8] {
        var names: [String] = [], slot: [UInt32: Int] = [:]
        let t0 = b.samples.map(\.timeMs).min() ?? 0
        var rows: [JSON] = []
        rows.reserveCapacity(b.samples.count)
        for s in b.samples {
            guard let name = pointName(s.point) else { continue }
            let p = slot[s.point] ?? {
                names.append(name)
                slot[s.point] = names.count - 1
                return names.count - 1
            }()
            rows.append([.int(Int64(s.device)), .int(Int64(p)), .int(s.timeMs - t0),
                         s.value.isFinite ? .double(s.value) : .null, .int(Int64(s.quality.rawValue))])
        }
        return bytes(JSONObject([("seq", .int(b.seq)), ("t0", .int(t0)), ("points", .array(names.map(JSON.string))),
                                 ("s", .array(rows))]))
    }

    /// A batch as sent; samples keep the edge's device numbers and point names.
    struct ReceivedBatch: Sendable {
        var seq: Int64
        var samples: [(device: UInt32, point: String, timeMs: Int64, value: Double, quality: Quality)]
    }

    static func batch(_ o: JSONObject) throws(WireError) -> ReceivedBatch {
        guard let seq = o["seq"]?.integer, seq >= 1 else { throw WireError("seq: expected an integer >= 1") }
        guard let t0 = o["t0"]?.integer, (0...253_402_300_799_999).contains(t0) else { throw WireError("t0: expected ms since 1970, before 10000") }
        guard let names = o["points"]?.array?.map(\.string), names.count <= 4096, !names.contains(nil) else {
            throw WireError("points: expected at most 4096 point names")
        }
        guard let rows = o["s"]?.array, rows.count <= maxSamplesPerBatch else { throw WireError("s: expected at most \(maxSamplesPerBatch) samples") }
        var out = ReceivedBatch(seq: seq, samples: [])
        out.samples.reserveCapacity(rows.count)
        for (i, row) in rows.enumerated() {
            guard let r = row.array, r.count == 5, let d = r[0].integer, (0...Int64(UInt32.max)).contains(d),
                  let p = r[1].integer, p >= 0, p < names.count, let dt = r[2].integer, (0...86_400_000_000).contains(dt),
                  let q = r[4].integer.flatMap({ Quality(rawValue: Int32(clamping: $0)) })
            else { throw WireError("s[\(i)]: expected [device, point, dt_ms, value, quality]") }
            let value = r[3].isNull ? Double.nan : (r[3].number ?? .nan)
            out.samples.append((UInt32(d), names[Int(p)]!, t0 + dt, value, q))
        }
        return out
    }

    // MARK: devices

    /// The same devices make the same bytes (no time in it), so a repeat is known by its digest.
    static func devicesPayload(edge: String, _ devices: [DeviceDescriptor]) -> [UInt8] {
        bytes(JSONObject([("edge", .string(edge)),
                          ("devices", .array(devices.map { d in
                              var o = deviceJSON(d, health: nil).object ?? JSONObject()
                              o["index"] = .int(Int64(d.index))
                              return .object(o)
                          }))]))
    }

    /// One device an edge serves, as its `devices` message describes it.
    struct RemoteDevice: Sendable {
        var number: UInt32
        var instance: String
        var index: UInt32
        var info: DeviceInfo
        var enabled: Bool
    }

    static func devices(_ o: JSONObject) throws(WireError) -> [RemoteDevice] {
        guard let list = o["devices"]?.array, list.count <= 1_000_000 else { throw WireError("devices: expected a list") }
        return try list.enumerated().map { i, j throws(WireError) in
            guard let d = j.object, let n = d["number"]?.integer, (0...Int64(UInt32.max)).contains(n),
                  let instance = d["instance"]?.string, validSegment(instance), let key = d["key"]?.string,
                  let index = d["index"]?.integer, (0..<1_000_000).contains(index),
                  let kind = d["kind"]?.string.flatMap(DeviceKind.init(name:)), let site = d["site"]?.string
            else { throw WireError("devices[\(i)]: expected number, instance, key, kind and site") }
            var info = DeviceInfo(kind: kind, key: key, site: site)
            info.manufacturer = d["manufacturer"]?.string ?? ""
            info.model = d["model"]?.string ?? ""
            info.serial = d["serial"]?.string ?? ""
            let r = d["ratings"]?.object
            // What the edge left out (or could not say: null) keeps DeviceRatings' own default.
            func rating(_ k: String, _ missing: Double) -> Double { r?[k]?.number ?? missing }
            info.ratings = DeviceRatings(ratedPowerW: rating("rated_power_w", .nan), maxChargeW: rating("max_charge_w", 0),
                                         maxDischargeW: rating("max_discharge_w", 0), capacityWh: rating("capacity_wh", .nan),
                                         socMin: rating("soc_min", 0), socMax: rating("soc_max", 1),
                                         roundTripEfficiency: rating("round_trip_efficiency", .nan))
            info.controllable = d["controllable"]?.bool ?? false
            info.readOnly = d["read_only"]?.bool ?? true
            info.respondsToFrequency = d["frequency_response"]?.bool ?? false
            return RemoteDevice(number: UInt32(n), instance: instance, index: UInt32(index), info: info, enabled: d["enabled"]?.bool ?? true)
        }
    }

    // MARK: setpoints and outcomes

    /// A setpoint for one of an edge's devices, by its id there ("instance/key").
    struct RemoteSetpoint: Sendable {
        var device: String
        var setpoint: Setpoint
    }

    static func setpointsPayload(_ list: [RemoteSetpoint]) -> [UInt8] {
        bytes(JSONObject([("setpoints", .array(list.map { r in
            let s = r.setpoint
            return .object(JSONObject([
                ("command_id", .int(Int64(s.commandID))), ("device", .string(r.device)), ("mode", .string(s.mode.name)),
                ("value", .double(s.value)), ("valid_from_ms", .int(s.validFromMs)), ("valid_until_ms", .int(s.validUntilMs)),
            ] + (s.fullResponseHz.isFinite ? [("full_response_hz", .double(s.fullResponseHz))] : [])))
        }))]))
    }

    /// The setpoints of a message, each read or refused with why (by command id when it has one).
    /// A setpoint of a message that cannot be applied: its command id (0 when it has none) and why.
    struct Refusal: Error, Sendable {
        var commandID: UInt64
        var why: String
    }

    static func setpoints(_ o: JSONObject) throws(WireError) -> [Result<RemoteSetpoint, Refusal>] {
        guard let list = o["setpoints"]?.array, list.count <= 1_000_000 else { throw WireError("setpoints: expected a list") }
        return list.enumerated().map { i, j in
            guard let s = j.object, let id = s["command_id"]?.integer, id > 0 else { return .failure(Refusal(commandID: 0, why: "setpoints[\(i)]: no command_id")) }
            guard let device = s["device"]?.string, let mode = s["mode"]?.string.flatMap(SetpointMode.init(name:)),
                  let value = s["value"]?.number, value.isFinite, abs(value) <= 1e9,
                  let from = s["valid_from_ms"]?.integer, let until = s["valid_until_ms"]?.integer, until > from
            else {
                return .failure(Refusal(commandID: UInt64(id),
                                        why: "setpoints[\(i)]: expected device, mode, value (|W| <= 1e9), valid_from_ms < valid_until_ms"))
            }
            let hz = s["full_response_hz"]?.number ?? .nan
            return .success(RemoteSetpoint(device: device, setpoint: Setpoint(device: -1, mode: mode, commandID: UInt64(id), value: value,
                                                                             validFromMs: from, validUntilMs: until, fullResponseHz: hz)))
        }
    }

    static func outcomesPayload(_ list: [SetpointOutcome]) -> [UInt8] {
        bytes(JSONObject([("outcomes", .array(list.map { r in
            .object(JSONObject([("command_id", .int(Int64(r.commandID))), ("outcome", .string(r.outcome.name)),
                                ("applied", r.appliedValue.isFinite ? .double(r.appliedValue) : .null), ("message", .string(r.message))]))
        }))]))
    }

    static func outcomes(_ o: JSONObject) throws(WireError) -> [SetpointOutcome] {
        guard let list = o["outcomes"]?.array, list.count <= 1_000_000 else { throw WireError("outcomes: expected a list") }
        return list.compactMap { j in
            guard let r = j.object, let id = r["command_id"]?.integer, id > 0, let name = r["outcome"]?.string else { return nil }
            let outcome = SetpointOutcome.Outcome.allCases.first { $0.name == name } ?? .failed
            return SetpointOutcome(outcome, applied: r["applied"]?.number ?? .nan, r["message"]?.string ?? "", commandID: UInt64(id))
        }
    }
}

/// A payload that does not follow EdgeWire, and why.
struct WireError: Error, Sendable, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
