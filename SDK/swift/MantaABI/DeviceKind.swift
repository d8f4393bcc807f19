/// What a device is. Raw values are the SDK's MANTA_DEVICE_* codes (a host
/// test pins them), names are what configs, the API and the store use.
public enum DeviceKind: Int32, Sendable, CaseIterable {
    case pvInverter = 1
    case battery = 2
    case hybridInverter = 3
    case meter = 4
    case evCharger = 5
    case load = 6

    public var name: String {
        switch self {
        case .pvInverter: return "pv_inverter"
        case .battery: return "battery"
        case .hybridInverter: return "hybrid_inverter"
        case .meter: return "meter"
        case .evCharger: return "ev_charger"
        case .load: return "load"
        }
    }

    public init?(name: String) {
        guard let kind = DeviceKind.allCases.first(where: { $0.name == name }) else { return nil }
        self = kind
    }

    /// Kinds that store energy and so have a state of charge to manage.
    public var storesEnergy: Bool { self == .battery || self == .hybridInverter }
}
