import MantaIO
import MantaText

/// A device read and controlled through a vendor template's register map.
public final class TemplateDevice: DeviceProfile {
    public let template: DeviceTemplate
    public let invertPower: Bool
    private let pollPlan: [RegisterSnapshot.Run]

    public init(_ template: DeviceTemplate, invertPower: Bool = false) {
        self.template = template
        self.invertPower = invertPower
        var spans = template.points.flatMap(\.register.spans)
        if let a = template.activePower { spans += [a.direction, a.chargePower, a.dischargePower].flatMap(\.spans) }
        if let e = template.exportLimit { spans += [e.enabled, e.limit].flatMap(\.spans) }
        pollPlan = RegisterSnapshot.plan(spans)
    }

    /// Whether `unit` holds what the template's identify register says.
    public static func matches(_ t: DeviceTemplate, _ client: ModbusClient, unit: UInt8) throws(ModbusError) -> (Bool, String) {
        guard let r = t.identify.register else { return (false, "") }
        let s = try RegisterSnapshot.read(client, unit: unit, plan: RegisterSnapshot.plan(r.spans))
        if let prefix = t.identify.prefix {
            let text = s.string(r) ?? ""
            return (text.hasPrefix(prefix), text)
        }
        guard let v = s.value(r) else { return (false, "nothing") }
        return (t.identify.oneOf.contains(v), NumberText.rounded(v, 3))
    }

    public func attach(_ client: ModbusClient, unit: UInt8) throws(DeviceError) -> (DeviceIdentity, DeviceRatingsRead) {
        let t = template
        let (ok, seen) = try DeviceError.io { () throws(ModbusError) in try Self.matches(t, client, unit: unit) }
        guard ok else {
            throw .mismatch("not a \(t.manufacturer) \(t.model): identify register \(t.identify.register!.address) holds \(seen)")
        }
        var spans = t.identity.values.flatMap(\.spans)
        for case .register(let r) in t.ratings.values { spans += r.spans }
        let s = try DeviceError.io { () throws(ModbusError) in
            try RegisterSnapshot.read(client, unit: unit, plan: RegisterSnapshot.plan(spans))
        }
        let identity = DeviceIdentity(manufacturer: t.manufacturer, model: t.identity["model"].flatMap(s.string) ?? t.model,
                                      serial: t.identity["serial"].flatMap(s.string) ?? "",
                                      version: t.identity["version"].flatMap(s.string) ?? "")
        func rating(_ key: String) -> Double? {
            switch t.ratings[key] {
            case .constant(let v): return v
            case .register(let r): return s.value(r)
            case nil: return nil
            }
        }
        var r = DeviceRatingsRead()
        r.ratedPowerW = rating("rated_power_w")
        r.maxChargeW = rating("max_charge_w")
        r.maxDischargeW = rating("max_discharge_w")
        r.capacityWh = rating("capacity_wh")
        r.socMin = rating("soc_min")
        r.socMax = rating("soc_max")
        return (identity, r)
    }

    public func poll(_ client: ModbusClient, unit: UInt8) throws(DeviceError) -> [(point: String, value: Double)] {
        let plan = pollPlan
        let s = try DeviceError.io { () throws(ModbusError) in try RegisterSnapshot.read(client, unit: unit, plan: plan) }
        var out: [(String, Double)] = []
        for (point, r) in template.points {
            guard let v = s.value(r) else { continue }
            out.append(invertPower ? SunSpecProfile.reversed(point, v) : (point, v))
        }
        if let limit = limit(s) { out.append(("control.export_limit_w", limit)) }
        if let w = setpoint(s) { out.append(("control.setpoint_w", w)) }
        return out
    }

    // MARK: controls

    public var canSetActivePower: Bool { template.activePower != nil }
    public var canLimitExport: Bool { template.exportLimit != nil }

    func limit(_ s: RegisterSnapshot) -> Double? {
        guard let e = template.exportLimit, s.value(e.enabled) == e.enabledCode else { return nil }
        return s.value(e.limit)
    }

    func setpoint(_ s: RegisterSnapshot) -> Double? {
        guard let a = template.activePower, let d = s.value(a.direction) else { return nil }
        if d == a.chargeCode { return s.value(a.chargePower).map { -abs($0) } }
        if d == a.dischargeCode { return s.value(a.dischargePower).map { abs($0) } }
        return 0
    }

    public func exportLimit(_ client: ModbusClient, unit: UInt8) throws(DeviceError) -> Double? {
        guard let e = template.exportLimit else { return nil }
        let s = try DeviceError.io { () throws(ModbusError) in
            try RegisterSnapshot.read(client, unit: unit, plan: RegisterSnapshot.plan([e.enabled, e.limit].flatMap(\.spans)))
        }
        return limit(s)
    }

    public func setActivePower(_ targetW: Double, validS: Int, _ client: ModbusClient, unit: UInt8) throws(DeviceError) -> ControlResult {
        guard let a = template.activePower else { throw .unsupported("the \(template.id) template has no active power control") }
        let steps = targetW > 0 ? a.discharge : targetW < 0 ? a.charge : a.hold
        try run(steps, power: abs(targetW), limit: 0, validS: validS, client, unit)
        let s = try DeviceError.io { () throws(ModbusError) in
            try RegisterSnapshot.read(client, unit: unit,
                                      plan: RegisterSnapshot.plan([a.direction, a.chargePower, a.dischargePower].flatMap(\.spans)))
        }
        return ControlResult(appliedW: setpoint(s) ?? 0, note: "\(template.id) \(targetW > 0 ? "discharge" : targetW < 0 ? "charge" : "hold")")
    }

    public func releaseActivePower(_ client: ModbusClient, unit: UInt8) throws(DeviceError) {
        guard let a = template.activePower else { return }
        try run(a.release, power: 0, limit: 0, validS: 0, client, unit)
    }

    public func setExportLimit(_ limitW: Double, validS: Int, _ client: ModbusClient, unit: UInt8) throws(DeviceError) -> ControlResult {
        guard let e = template.exportLimit else { throw .unsupported("the \(template.id) template has no export limit control") }
        try run(e.set, power: 0, limit: limitW, validS: validS, client, unit)
        return ControlResult(appliedW: try exportLimit(client, unit: unit) ?? .infinity, note: "\(template.id) export limit")
    }

    public func releaseExportLimit(_ client: ModbusClient, unit: UInt8) throws(DeviceError) {
        guard let e = template.exportLimit else { return }
        try run(e.release, power: 0, limit: 0, validS: 0, client, unit)
    }

    /// Performs a sequence of writes, in order.
    func run(_ writes: [DeviceTemplate.Write], power: Double, limit: Double, validS: Int, _ client: ModbusClient,
             _ unit: UInt8) throws(DeviceError) {
        for w in writes {
            let value: Double
            switch w.value {
            case .constant(let v): value = v
            case .powerW: value = power
            case .limitW: value = limit
            case .minutes: value = Double((validS + 59) / 60)
            case .seconds: value = Double(validS)
            }
            guard let regs = RegisterCodec.encode((value / w.scale).rounded(), w.type, order: w.wordOrder) else {
                throw .unsupported("register \(w.address) (\(w.type.rawValue)) cannot hold \(value)")
            }
            try DeviceError.io { () throws(ModbusError) in try client.write(unit: unit, address: w.address, values: regs) }
        }
    }
}
