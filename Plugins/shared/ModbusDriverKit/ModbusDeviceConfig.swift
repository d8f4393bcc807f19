import MantaJSON
import MantaKit
import MantaModbus
import MantaSDK

/// One device in a Modbus driver's configuration.
public struct ModbusDeviceConfig: Sendable {
    public var key: String
    public var site: String
    public var host: String
    public var port: Int
    public var unitID: UInt8
    /// A catalog device kind name.
    public var kind: String
    /// modbus driver: the template's id.
    public var template: String?
    /// sunspec driver: read the n-th meter model instead of the inverter side.
    public var meterIndex: Int?
    public var pollIntervalMs: Int
    public var readOnly: Bool
    public var invertPower: Bool
    /// Ratings the device does not report (or that the operator lowers).
    public var ratings: [String: Double]

    static let kinds: [String: Int32] = [
        "pv_inverter": MANTA_DEVICE_PV_INVERTER, "battery": MANTA_DEVICE_BATTERY, "hybrid_inverter": MANTA_DEVICE_HYBRID_INVERTER,
        "meter": MANTA_DEVICE_METER, "ev_charger": MANTA_DEVICE_EV_CHARGER, "load": MANTA_DEVICE_LOAD,
    ]
    static let ratingKeys = ["rated_power_w", "max_charge_w", "max_discharge_w", "capacity_wh", "soc_min", "soc_max",
                             "round_trip_efficiency"]

    /// Reads `devices[i]`; `defaults` supplies what the entry leaves out
    /// (a template's port and unit id).
    public init(_ j: JSON, at i: Int, pollIntervalMs: Int, defaults: (port: Int, unit: UInt8, kind: String?)? = nil) throws(PluginError) {
        let at = "devices[\(i)]"
        guard let key = j["key"]?.string, !key.isEmpty, !key.contains("/") else {
            throw .config("\(at).key: required, without '/' (e.g. \"home-007.inverter\")")
        }
        self.key = key
        site = j["site"]?.string ?? String(key.split(separator: ".").first ?? Substring(key))
        guard let host = j["host"]?.string, !host.isEmpty else { throw .config("\(at).host: required") }
        self.host = host
        port = Int(j["port"]?.integer ?? Int64(defaults?.port ?? 502))
        guard (1...65_535).contains(port) else { throw .config("\(at).port: must be 1...65535") }
        let unit = j["unit_id"]?.integer ?? Int64(defaults?.unit ?? 1)
        guard (0...255).contains(unit) else { throw .config("\(at).unit_id: must be 0...255") }
        unitID = UInt8(unit)
        guard let kind = j["kind"]?.string ?? defaults?.kind, Self.kinds[kind] != nil else {
            throw .config("\(at).kind: one of \(Self.kinds.keys.sorted().joined(separator: ", "))")
        }
        self.kind = kind
        template = j["template"]?.string
        meterIndex = j["meter"]?.integer.map(Int.init)
        self.pollIntervalMs = Int(j["poll_interval_ms"]?.integer ?? Int64(pollIntervalMs))
        guard self.pollIntervalMs >= 100 else { throw .config("\(at).poll_interval_ms: must be >= 100") }
        readOnly = j["read_only"]?.bool ?? false
        invertPower = j["invert_power"]?.bool ?? false
        var ratings: [String: Double] = [:]
        for k in Self.ratingKeys {
            if let v = j[k] {
                guard let n = v.number, n >= 0 else { throw .config("\(at).\(k): must be a number >= 0") }
                ratings[k] = n
            }
        }
        self.ratings = ratings
    }
}
