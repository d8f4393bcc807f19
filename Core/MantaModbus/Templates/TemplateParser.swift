import MantaJSON

/// Why a template file was refused: the file and the field, then what is wrong.
public struct TemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
}

extension DeviceTemplate {
    static let kinds = ["pv_inverter", "battery", "hybrid_inverter", "meter", "ev_charger", "load"]
    static let ratingNames = ["rated_power_w", "max_charge_w", "max_discharge_w", "capacity_wh", "soc_min", "soc_max"]

    /// Reads a template document. `file` names it in errors and must match
    /// the template's `id` (`registry/devices/<id>.json`).
    public init(json: JSON, file: String) throws(TemplateError) {
        let r = Reader(file: file)
        guard let o = json.object else { throw r.fail("", "a template is a JSON object") }
        try r.allow(o, "", ["$schema", "id", "manufacturer", "model", "kind", "protocol", "defaults", "identify", "identity",
                           "ratings", "points", "controls", "sources", "notes"])
        id = try r.string(o, "id")
        let stem = file.split(separator: "/").last.map { String($0.dropLast(5)) } ?? ""
        guard file.hasSuffix(".json"), stem == id else { throw r.fail("id", "\"\(id)\" must be the file's name (\(stem).json)") }
        manufacturer = try r.string(o, "manufacturer")
        model = try r.string(o, "model")
        kind = try r.string(o, "kind")
        guard Self.kinds.contains(kind) else { throw r.fail("kind", "\"\(kind)\" is not one of \(Self.kinds.joined(separator: ", "))") }
        let p = try r.string(o, "protocol", default: "modbus")
        guard let proto = Wire(rawValue: p) else { throw r.fail("protocol", "\"\(p)\" is not modbus or sunspec") }
        `protocol` = proto
        sources = o["sources"]?.array?.compactMap(\.string) ?? []
        guard !sources.isEmpty else { throw r.fail("sources", "say where the register facts come from (a list of documents)") }

        let d = o["defaults"]?.object ?? JSONObject()
        try r.allow(d, "defaults", ["port", "unit_id", "word_order"])
        port = try r.int(d, "defaults.port", key: "port", default: 502, range: 1...65_535)
        unitID = UInt8(try r.int(d, "defaults.unit_id", key: "unit_id", default: 1, range: 0...255))
        let order = try r.string(d, "word_order", at: "defaults.word_order", default: "big")
        guard let wordOrder = WordOrder(rawValue: order) else { throw r.fail("defaults.word_order", "\"\(order)\" is not big or little") }
        r.wordOrder = wordOrder

        let idn = o["identify"]?.object ?? JSONObject()
        try r.allow(idn, "identify", ["register", "prefix", "one_of", "sunspec_manufacturer"])
        identify = Identify(register: try idn["register"].map { j throws(TemplateError) in try r.register(j, at: "identify.register") },
                            prefix: idn["prefix"]?.string, oneOf: idn["one_of"]?.array?.compactMap(\.number) ?? [],
                            sunspecManufacturer: idn["sunspec_manufacturer"]?.string)
        switch proto {
        case .modbus:
            guard identify.register != nil, identify.prefix != nil || !identify.oneOf.isEmpty else {
                throw r.fail("identify", "a modbus template needs a register and a prefix or one_of to recognise the device")
            }
        case .sunspec:
            guard identify.sunspecManufacturer != nil else { throw r.fail("identify", "a sunspec template needs sunspec_manufacturer") }
        }

        var identity: [String: Register] = [:]
        for (key, j) in (o["identity"]?.object ?? JSONObject()).members {
            guard ["model", "serial", "version"].contains(key) else { throw r.fail("identity.\(key)", "unknown (model, serial, version)") }
            identity[key] = try r.register(j, at: "identity.\(key)")
        }
        self.identity = identity

        var ratings: [String: Source] = [:]
        for (key, j) in (o["ratings"]?.object ?? JSONObject()).members {
            guard Self.ratingNames.contains(key) else {
                throw r.fail("ratings.\(key)", "unknown (\(Self.ratingNames.joined(separator: ", ")))")
            }
            if let n = j.number {
                ratings[key] = .constant(n)
            } else {
                ratings[key] = .register(try r.register(j, at: "ratings.\(key)"))
            }
        }
        self.ratings = ratings

        var points: [(String, Register)] = []
        for (i, j) in (o["points"]?.array ?? []).enumerated() {
            let at = "points[\(i)]"
            guard let name = j["point"]?.string else { throw r.fail("\(at).point", "required: a catalog point name") }
            points.append((name, try r.register(j, at: at, extra: ["point"])))
        }
        if proto == .modbus && points.isEmpty { throw r.fail("points", "a modbus template maps at least one point") }
        self.points = points

        let c = o["controls"]?.object ?? JSONObject()
        try r.allow(c, "controls", ["active_power", "export_limit"])
        activePower = try c["active_power"].map { j throws(TemplateError) in try r.activePower(j) }
        exportLimit = try c["export_limit"].map { j throws(TemplateError) in try r.exportLimit(j) }
        self.file = file
    }
}

/// Reads the parts of one template, naming the file and field in every error.
final class Reader {
    let file: String
    var wordOrder = WordOrder.big

    init(file: String) { self.file = file }

    func fail(_ field: String, _ why: String) -> TemplateError {
        TemplateError(field.isEmpty ? "\(file): \(why)" : "\(file): \(field): \(why)")
    }

    func allow(_ o: JSONObject, _ at: String, _ keys: [String]) throws(TemplateError) {
        for k in o.keys where !keys.contains(k) {
            throw fail(at.isEmpty ? k : "\(at).\(k)", "unknown field (allowed: \(keys.filter { $0 != "$schema" }.joined(separator: ", ")))")
        }
    }

    func string(_ o: JSONObject, _ key: String, at: String? = nil, default d: String? = nil) throws(TemplateError) -> String {
        guard let v = o[key] else {
            if let d { return d }
            throw fail(at ?? key, "required")
        }
        guard let s = v.string, !s.isEmpty else { throw fail(at ?? key, "must be a non-empty string") }
        return s
    }

    func int(_ o: JSONObject, _ at: String, key: String, default d: Int, range: ClosedRange<Int>) throws(TemplateError) -> Int {
        guard let v = o[key] else { return d }
        guard let n = v.integer, range.contains(Int(n)) else { throw fail(at, "must be a whole number in \(range.lowerBound)...\(range.upperBound)") }
        return Int(n)
    }

    func function(_ j: JSON?, at: String) throws(TemplateError) -> ModbusFrame.Function {
        switch j?.string ?? "holding" {
        case "holding": return .readHoldingRegisters
        case "input": return .readInputRegisters
        case let other: throw fail("\(at).function", "\"\(other)\" is not holding or input")
        }
    }

    func register(_ j: JSON, at: String, extra: [String] = []) throws(TemplateError) -> DeviceTemplate.Register {
        guard let o = j.object else { throw fail(at, "must be an object with address and type") }
        try allow(o, at, ["function", "address", "type", "count", "word_order", "scale", "offset", "unavailable", "sign", "labels"] + extra)
        let address = try int(o, "\(at).address", key: "address", default: -1, range: -1...65_535)
        guard address >= 0 else { throw fail("\(at).address", "required") }
        let typeName = try string(o, "type", at: "\(at).type")
        guard let type = RegisterType(name: typeName), type != .pad else {
            throw fail("\(at).type", "\"\(typeName)\" is not a register type (u16, i16, u32, i32, u64, i64, f32, f64, string, ...)")
        }
        let count = try int(o, "\(at).count", key: "count", default: type.words ?? 0, range: 1...125)
        if type == .string && o["count"] == nil { throw fail("\(at).count", "a string needs its register count") }
        var order = wordOrder
        if let w = o["word_order"] {
            guard let s = w.string, let parsed = WordOrder(rawValue: s) else { throw fail("\(at).word_order", "must be big or little") }
            order = parsed
        }
        let scale = o["scale"]?.number ?? 1
        guard scale != 0 else { throw fail("\(at).scale", "must not be 0") }
        var sign: DeviceTemplate.SignSource?
        if let s = o["sign"]?.object {
            try allow(s, "\(at).sign", ["function", "address", "negative_if_bit"])
            sign = .init(function: try function(s["function"], at: "\(at).sign"),
                         address: try int(s, "\(at).sign.address", key: "address", default: 0, range: 0...65_535),
                         bit: try int(s, "\(at).sign.negative_if_bit", key: "negative_if_bit", default: 0, range: 0...15))
        }
        var labels: [Int: String] = [:]
        for (code, name) in (o["labels"]?.object ?? JSONObject()).members {
            guard let c = Int(code), let n = name.string else { throw fail("\(at).labels.\(code)", "codes are integers, names strings") }
            labels[c] = n
        }
        return .init(function: try function(o["function"], at: at), address: address, type: type, count: count,
                     wordOrder: order, scale: scale, offset: o["offset"]?.number ?? 0,
                     unavailable: o["unavailable"]?.array?.compactMap(\.number) ?? [], sign: sign, labels: labels)
    }

    func writes(_ j: JSON?, at: String) throws(TemplateError) -> [DeviceTemplate.Write] {
        guard let j else { return [] }
        guard let list = j.array else { throw fail(at, "must be a list of writes") }
        var out: [DeviceTemplate.Write] = []
        for (i, w) in list.enumerated() {
            let here = "\(at)[\(i)]"
            guard let o = w.object else { throw fail(here, "must be {\"address\": ..., \"value\": ...}") }
            try allow(o, here, ["address", "type", "word_order", "scale", "value"])
            let type = RegisterType(name: o["type"]?.string ?? "u16")
            guard let type, type.words != nil else { throw fail("\(here).type", "must be a numeric register type") }
            let value: DeviceTemplate.Write.Value
            switch o["value"] {
            case .some(let v) where v.number != nil: value = .constant(v.number!)
            case .some(let v) where v.string == "power_w": value = .powerW
            case .some(let v) where v.string == "limit_w": value = .limitW
            case .some(let v) where v.string == "minutes": value = .minutes
            case .some(let v) where v.string == "seconds": value = .seconds
            default: throw fail("\(here).value", "must be a number, power_w, limit_w, minutes or seconds")
            }
            var order = wordOrder
            if let s = o["word_order"]?.string { order = WordOrder(rawValue: s) ?? order }
            out.append(.init(address: try int(o, "\(here).address", key: "address", default: 0, range: 0...65_535), type: type,
                             wordOrder: order, scale: o["scale"]?.number ?? 1, value: value))
        }
        return out
    }

    func activePower(_ j: JSON) throws(TemplateError) -> DeviceTemplate.ActivePower {
        let at = "controls.active_power"
        guard let o = j.object else { throw fail(at, "must be an object") }
        try allow(o, at, ["charge", "discharge", "hold", "release", "readback"])
        guard let rb = o["readback"]?.object else { throw fail("\(at).readback", "required: how to read back what the device took") }
        try allow(rb, "\(at).readback", ["direction", "charge_code", "discharge_code", "charge_power", "discharge_power"])
        guard let dir = rb["direction"], let cp = rb["charge_power"], let dp = rb["discharge_power"],
              let cc = rb["charge_code"]?.number, let dc = rb["discharge_code"]?.number else {
            throw fail("\(at).readback", "needs direction, charge_code, discharge_code, charge_power and discharge_power")
        }
        let a = DeviceTemplate.ActivePower(
            charge: try writes(o["charge"], at: "\(at).charge"), discharge: try writes(o["discharge"], at: "\(at).discharge"),
            hold: try writes(o["hold"], at: "\(at).hold"), release: try writes(o["release"], at: "\(at).release"),
            direction: try register(dir, at: "\(at).readback.direction"), chargeCode: cc, dischargeCode: dc,
            chargePower: try register(cp, at: "\(at).readback.charge_power"),
            dischargePower: try register(dp, at: "\(at).readback.discharge_power"))
        guard !a.charge.isEmpty, !a.discharge.isEmpty, !a.hold.isEmpty, !a.release.isEmpty else {
            throw fail(at, "needs charge, discharge, hold and release writes")
        }
        return a
    }

    func exportLimit(_ j: JSON) throws(TemplateError) -> DeviceTemplate.ExportLimit {
        let at = "controls.export_limit"
        guard let o = j.object else { throw fail(at, "must be an object") }
        try allow(o, at, ["set", "release", "readback"])
        guard let rb = o["readback"]?.object, let en = rb["enabled"], let code = rb["enabled_code"]?.number, let lim = rb["limit"] else {
            throw fail("\(at).readback", "needs enabled, enabled_code and limit")
        }
        try allow(rb, "\(at).readback", ["enabled", "enabled_code", "limit"])
        let e = DeviceTemplate.ExportLimit(set: try writes(o["set"], at: "\(at).set"), release: try writes(o["release"], at: "\(at).release"),
                                           enabled: try register(en, at: "\(at).readback.enabled"), enabledCode: code,
                                           limit: try register(lim, at: "\(at).readback.limit"))
        guard !e.set.isEmpty, !e.release.isEmpty else { throw fail(at, "needs set and release writes") }
        return e
    }
}
