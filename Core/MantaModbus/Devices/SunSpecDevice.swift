import Glibc
import MantaIO
import MantaText

/// A SunSpec device, or one side of it (its inverter, storage and battery
/// models, or one of its meters), read and controlled through its models.
public final class SunSpecDevice: DeviceProfile {
    public let role: SunSpecProfile.Role
    public let invertPower: Bool
    /// For vendor profiles (SMA, Fronius): the common model's manufacturer
    /// must start with this.
    public let manufacturerPrefix: String?
    public private(set) var map: SunSpecMap?
    /// The models a poll reads: this role's, chosen once at attach.
    private var polled: [SunSpecMap.Entry] = []
    /// What WMaxLimPct is a percentage of.
    private var wMax: Double?

    public init(role: SunSpecProfile.Role = .inverter, invertPower: Bool = false, manufacturerPrefix: String? = nil) {
        self.role = role
        self.invertPower = invertPower
        self.manufacturerPrefix = manufacturerPrefix
    }

    public func attach(_ client: ModbusClient, unit: UInt8) throws(DeviceError) -> (DeviceIdentity, DeviceRatingsRead) {
        let map: SunSpecMap
        do { map = try SunSpecMap.scan(client, unit: unit) } catch {
            if case .modbus(let e) = error { throw .modbus(e) }
            throw .mismatch(error.description)
        }
        let blocks = try read(client, unit, map.models.filter { [1, 120, 121, 702, 713, 802].contains($0.id) })
        let common = blocks[1]
        let identity = DeviceIdentity(manufacturer: common?.string("Mn") ?? "", model: common?.string("Md") ?? "",
                                      serial: common?.string("SN") ?? "", version: common?.string("Vr") ?? "")
        if let prefix = manufacturerPrefix, !identity.manufacturer.lowercased().hasPrefix(prefix.lowercased()) {
            throw .mismatch("the device's manufacturer is \"\(identity.manufacturer)\", not \(prefix)")
        }
        let mine = SunSpecProfile.entries(map, role: role)
        switch role {
        case .inverter:
            guard !mine.isEmpty else { throw .mismatch("no inverter, storage or battery model (models: \(map.ids.map(String.init).joined(separator: ", ")))") }
        case .meter(let index):
            guard !mine.isEmpty else { throw .mismatch("no meter model (201-204) number \(index + 1) (models: \(map.ids.map(String.init).joined(separator: ", ")))") }
        }
        self.map = map
        polled = mine
        var r = DeviceRatingsRead()
        let np = blocks[120], cap = blocks[702], bat = blocks[802], st = blocks[713]
        r.ratedPowerW = cap?.value("WMaxRtg") ?? np?.value("WRtg")
        r.capacityWh = bat?.value("WHRtg") ?? st?.value("WHRtg") ?? np?.value("WHRtg")
        r.maxChargeW = bat?.value("WChaRteMax") ?? cap?.value("WChaRteMaxRtg") ?? np?.value("MaxChaRte")
        r.maxDischargeW = bat?.value("WDisChaRteMax") ?? cap?.value("WDisChaRteMaxRtg") ?? np?.value("MaxDisChaRte")
        r.socMin = bat?.value("SoCMin").map { $0 / 100 }
        r.socMax = bat?.value("SoCMax").map { $0 / 100 }
        wMax = blocks[121]?.value("WMax") ?? cap?.value("WMax") ?? r.ratedPowerW
        if role != .inverter { r = DeviceRatingsRead() }
        return (identity, r)
    }

    /// The kind a device with these models is: a catalog kind name.
    public static func kind(of map: SunSpecMap) -> String {
        let ids = Set(map.ids)
        let storage = !ids.isDisjoint(with: [124, 713, 802])
        let inverter = !ids.isDisjoint(with: [101, 102, 103, 111, 112, 113, 701])
        if storage { return inverter ? "hybrid_inverter" : "battery" }
        if inverter { return "pv_inverter" }
        return ids.isDisjoint(with: [201, 202, 203, 204]) ? "pv_inverter" : "meter"
    }

    public func poll(_ client: ModbusClient, unit: UInt8) throws(DeviceError) -> [(point: String, value: Double)] {
        guard map != nil else { throw .mismatch("not attached") }
        let blocks = try read(client, unit, polled)
        var out = SunSpecProfile.values(Array(blocks.values), invertPower: invertPower)
        if role == .inverter {
            if let limit = limit(blocks) { out.append(("control.export_limit_w", limit)) }
            if let w = setpoint(blocks) { out.append(("control.setpoint_w", w)) }
        }
        return out
    }

    // MARK: controls

    public var canSetActivePower: Bool { role == .inverter && (map.map { !Set($0.ids).isDisjoint(with: [704, 124]) } ?? false) }
    public var canLimitExport: Bool { role == .inverter && (map.map { !Set($0.ids).isDisjoint(with: [704, 123]) } ?? false) }

    public func exportLimit(_ client: ModbusClient, unit: UInt8) throws(DeviceError) -> Double? {
        guard let map, let e = map.first(of: [704, 123]) else { return nil }
        return limit(try read(client, unit, [e]))
    }

    /// The limit in force, from 704 or 123: WMaxLimPct of WMax, when enabled.
    func limit(_ blocks: [UInt16: SunSpecBlock]) -> Double? {
        if let c = blocks[704], c.raw("WMaxLimPctEna") == 1, let pct = c.value("WMaxLimPct"), let wMax { return pct / 100 * wMax }
        if let c = blocks[123], c.raw("WMaxLim_Ena") == 1, let pct = c.value("WMaxLimPct"), let wMax { return pct / 100 * wMax }
        return nil
    }

    /// The active-power setpoint in force, from 704's WSet or 124's rates.
    func setpoint(_ blocks: [UInt16: SunSpecBlock]) -> Double? {
        if let c = blocks[704], c.raw("WSetEna") == 1, c.raw("WSetMod") == 1 { return c.value("WSet") }
        if let s = blocks[124], let mode = s.raw("StorCtl_Mod"), mode != 0, let max = s.value("WChaMax") {
            let out = s.value("OutWRte") ?? 0, into = s.value("InWRte") ?? 0
            return out > 0 ? out / 100 * max : into > 0 ? -into / 100 * max : 0
        }
        return nil
    }

    public func setExportLimit(_ limitW: Double, validS: Int, _ client: ModbusClient, unit: UInt8) throws(DeviceError) -> ControlResult {
        guard let map, let e = map.first(of: [704, 123]) else { throw .unsupported("no control model (704 or 123)") }
        guard let wMax, wMax > 0 else { throw .unsupported("no WMax to express a limit in (121, 702 or 120)") }
        let pct = min(100, max(0, limitW / wMax * 100))
        let b = try read(client, unit, [e])[e.id]!
        if e.id == 704 {
            try write(client, unit, b, "WMaxLimPct", pct)
            try write(client, unit, b, "WMaxLimPctRvrtTms", Double(validS))
            try write(client, unit, b, "WMaxLimPctEna", 1)
        } else {
            try write(client, unit, b, "WMaxLimPct", pct)
            try write(client, unit, b, "WMaxLimPct_RvrtTms", Double(min(validS, 65_535)))
            try write(client, unit, b, "WMaxLim_Ena", 1)
        }
        let applied = limit(try read(client, unit, [e])) ?? wMax
        return ControlResult(appliedW: applied, note: "\(e.id == 704 ? "704" : "123") WMaxLimPct \(NumberText.rounded(pct, 1)) % of \(Int(wMax)) W")
    }

    public func releaseExportLimit(_ client: ModbusClient, unit: UInt8) throws(DeviceError) {
        guard let map, let e = map.first(of: [704, 123]) else { return }
        let b = try read(client, unit, [e])[e.id]!
        try write(client, unit, b, e.id == 704 ? "WMaxLimPctEna" : "WMaxLim_Ena", 0)
    }

    public func setActivePower(_ targetW: Double, validS: Int, _ client: ModbusClient, unit: UInt8) throws(DeviceError) -> ControlResult {
        guard let map, let e = map.first(of: [704, 124]) else { throw .unsupported("no control model (704 or 124)") }
        let b = try read(client, unit, [e])[e.id]!
        if e.id == 704 {
            try write(client, unit, b, "WSetMod", 1)
            try write(client, unit, b, "WSet", targetW)
            try write(client, unit, b, "WSetRvrtTms", Double(validS))
            try write(client, unit, b, "WSetEna", 1)
            return ControlResult(appliedW: setpoint(try read(client, unit, [e])) ?? 0, note: "704 WSet")
        }
        // 124: InWRte and OutWRte are percentages of WChaMax; a negative
        // limit in one direction forces power in the other (as Fronius and
        // others document for 124).
        guard let max = b.value("WChaMax"), max > 0 else { throw .unsupported("124 has no WChaMax") }
        let pct = min(100, abs(targetW) / max * 100)
        let out = targetW > 0 ? pct : -pct, into = -out
        try write(client, unit, b, "OutWRte", targetW == 0 ? 0 : out)
        try write(client, unit, b, "InWRte", targetW == 0 ? 0 : into)
        try write(client, unit, b, "InOutWRte_RvrtTms", Double(min(validS, 65_535)))
        try write(client, unit, b, "StorCtl_Mod", 3)
        return ControlResult(appliedW: setpoint(try read(client, unit, [e])) ?? 0,
                             note: "124 OutWRte \(NumberText.rounded(out, 1)) % / InWRte \(NumberText.rounded(into, 1)) % of \(Int(max)) W")
    }

    public func releaseActivePower(_ client: ModbusClient, unit: UInt8) throws(DeviceError) {
        guard let map, let e = map.first(of: [704, 124]) else { return }
        let b = try read(client, unit, [e])[e.id]!
        try write(client, unit, b, e.id == 704 ? "WSetEna" : "StorCtl_Mod", 0)
    }

    // MARK: registers

    func read(_ client: ModbusClient, _ unit: UInt8, _ entries: [SunSpecMap.Entry]) throws(DeviceError) -> [UInt16: SunSpecBlock] {
        var out: [UInt16: SunSpecBlock] = [:]
        for e in entries where out[e.id] == nil {
            if let b = try DeviceError.io({ () throws(ModbusError) in try SunSpecBlock.read(client, unit: unit, entry: e) }) {
                out[e.id] = b
            }
        }
        return out
    }

    /// Writes point `name` of `block` as `value` in its SunSpec unit
    /// (divided by 10^sf into register units).
    func write(_ client: ModbusClient, _ unit: UInt8, _ block: SunSpecBlock, _ name: String, _ value: Double) throws(DeviceError) {
        guard let p = block.model.point(name), p.writable, let address = block.address(name) else {
            throw .unsupported("\(block.model.id).\(name) is not a writable point")
        }
        guard let sf = block.scaleFactor(name) else { throw .unsupported("\(block.model.id).\(name): its scale factor is not implemented") }
        let raw = (value / pow(10, Double(sf))).rounded()
        guard let regs = RegisterCodec.encode(raw, p.type) else {
            throw .unsupported("\(block.model.id).\(name) cannot hold \(value) (\(p.type.rawValue), sf \(sf))")
        }
        try DeviceError.io { () throws(ModbusError) in try client.write(unit: unit, address: address, values: regs) }
    }
}
