import MantaJSON
import MantaKit

/// A sunspec or modbus driver's configuration, key for key as its manifest
/// declares it; the defaults are the manifest's (the host fills them in).
public struct ModbusDriverConfig: Decodable, Sendable {
    public var devices: [ModbusDeviceEntry]
    public var pollIntervalMs: Int
    public var timeoutMs: Int
    public var connectTimeoutMs: Int
    public var threads: Int
    public var startWaitMs: Int
    /// modbus driver: the folder of device templates.
    public var templates: String?

    enum CodingKeys: String, CodingKey {
        case devices, threads, templates
        case pollIntervalMs = "poll_interval_ms", timeoutMs = "timeout_ms", connectTimeoutMs = "connect_timeout_ms"
        case startWaitMs = "start_wait_ms"
    }

    public init(_ json: JSON) throws(PluginError) {
        self = try PluginConfig.decode(ModbusDriverConfig.self, from: json)
    }
}

/// One `devices` entry as written. What it leaves out comes from elsewhere
/// (ModbusDeviceConfig): the site from the key, the port, unit id and kind
/// from the sunspec manifest's defaults or the modbus driver's template, the
/// poll interval from the driver's.
public struct ModbusDeviceEntry: Decodable, Sendable {
    public var key: String
    public var site: String?
    public var host: String
    public var port: Int?
    public var unitID: UInt8?
    public var kind: String?
    public var template: String?
    public var meter: Int?
    public var pollIntervalMs: Int?
    public var readOnly: Bool
    public var invertPower: Bool
    public var ratedPowerW: Double?
    public var maxChargeW: Double?
    public var maxDischargeW: Double?
    public var capacityWh: Double?
    public var socMin: Double?
    public var socMax: Double?
    public var roundTripEfficiency: Double?

    enum CodingKeys: String, CodingKey {
        case key, site, host, port, kind, template, meter
        case unitID = "unit_id", pollIntervalMs = "poll_interval_ms", readOnly = "read_only", invertPower = "invert_power"
        case ratedPowerW = "rated_power_w", maxChargeW = "max_charge_w", maxDischargeW = "max_discharge_w"
        case capacityWh = "capacity_wh", socMin = "soc_min", socMax = "soc_max", roundTripEfficiency = "round_trip_efficiency"
    }

    /// The ratings given, by their config names.
    var ratings: [String: Double] {
        let given: [(String, Double?)] = [
            ("rated_power_w", ratedPowerW), ("max_charge_w", maxChargeW), ("max_discharge_w", maxDischargeW),
            ("capacity_wh", capacityWh), ("soc_min", socMin), ("soc_max", socMax), ("round_trip_efficiency", roundTripEfficiency),
        ]
        var out: [String: Double] = [:]
        for (name, value) in given { if let value { out[name] = value } }
        return out
    }
}
