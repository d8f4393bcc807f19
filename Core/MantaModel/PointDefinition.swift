import MantaABI
/// What kind of value a point holds.
public enum PointType: Sendable, Equatable {
    /// A measurement.
    case float
    /// A lifetime total: never negative.
    case counter
    /// One of a fixed set of codes, each with a name ("4": "charging").
    case enumeration([Int: String])

    public var name: String {
        switch self {
        case .float: return "float"
        case .counter: return "counter"
        case .enumeration: return "enum"
        }
    }
}

/// One entry of the unified point catalog (registry/catalog/points.json).
public struct PointDefinition: Sendable, Equatable {
    /// Stable numeric id. Stored with every sample; never reused.
    public let id: UInt32
    /// Dotted name, e.g. "battery.soc". What drivers look up and people read.
    public let name: String
    /// Unit symbol: "W", "Wh", "Hz", "V", "var", "C", "1" (a fraction).
    public let unit: String
    public let type: PointType
    public let description: String
    /// The SunSpec model points this maps to, e.g. ["802.SoC", "124.ChaState"].
    public let sunspec: [String]
    /// Device kinds the point applies to; nil means every kind.
    public let kinds: Set<DeviceKind>?
    /// Physical bounds; a value outside them is flagged invalid.
    public let min: Double?
    public let max: Double?
    /// For power points: |value| may not exceed this multiple of the device's
    /// largest power rating (nameplate, charge or discharge), when known.
    public let ratingFactor: Double?

    public init(
        id: UInt32, name: String, unit: String, type: PointType = .float, description: String = "", sunspec: [String] = [],
        kinds: Set<DeviceKind>? = nil, min: Double? = nil, max: Double? = nil, ratingFactor: Double? = nil
    ) {
        self.id = id
        self.name = name
        self.unit = unit
        self.type = type
        self.description = description
        self.sunspec = sunspec
        self.kinds = kinds
        self.min = min
        self.max = max
        self.ratingFactor = ratingFactor
    }

    public func applies(to kind: DeviceKind) -> Bool { kinds?.contains(kind) ?? true }
}
