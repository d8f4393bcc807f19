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

    static let kinds: [String: DeviceKind] = Dictionary(uniqueKeysWithValues: DeviceKind.allCases.map { ($0.name, $0) })

    /// Reads `devices[i]`; `defaults` supplies what the entry leaves out
    /// (a template's port, unit id and kind).
    public init(_ e: ModbusDeviceEntry, at i: Int, pollIntervalMs: Int,
                defaults: (port: Int, unit: UInt8, kind: String?)? = nil) throws(PluginError) {
        let at = "devices[\(i)]"
        guard !e.key.isEmpty, !e.key.contains("/") else {
            throw .config("\(at).key: required, without '/' (e.g. \"home-007.inverter\")")
        }
        key = e.key
        site = e.site ?? String(e.key.split(separator: ".").first ?? Substring(e.key))
        guard !e.host.isEmpty else { throw .config("\(at).host: required") }
        host = e.host
        guard let port = e.port ?? defaults?.port else { throw .config("\(at).port: required") }
        guard (1...65_535).contains(port) else { throw .config("\(at).port: must be 1...65535") }
        self.port = port
        guard let unit = e.unitID ?? defaults?.unit else { throw .config("\(at).unit_id: required") }
        unitID = unit
        guard let kind = e.kind ?? defaults?.kind, Self.kinds[kind] != nil else {
            throw .config("\(at).kind: one of \(Self.kinds.keys.sorted().joined(separator: ", "))")
        }
        self.kind = kind
        template = e.template
        meterIndex = e.meter
        self.pollIntervalMs = e.pollIntervalMs ?? pollIntervalMs
        guard self.pollIntervalMs >= 100 else { throw .config("\(at).poll_interval_ms: must be >= 100") }
        readOnly = e.readOnly
        invertPower = e.invertPower
        for (k, n) in e.ratings where n < 0 { throw .config("\(at).\(k): must be a number >= 0") }
        ratings = e.ratings
    }
}
