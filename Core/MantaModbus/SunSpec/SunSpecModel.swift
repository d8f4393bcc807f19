/// SunSpec information models: the shape of a model block and its points.
///
/// A SunSpec device lays its models out one after another from a base
/// address (40000, or 0 or 50000) after the marker "SunS": each model starts
/// with its id and its length L (registers after those two), and the chain
/// ends with id 0xFFFF. Offsets here count from the model's first register
/// (the id), as in the SunSpec model definitions.
public enum SunSpec {
    /// Where a SunSpec map may start, in the order tried.
    public static let baseAddresses = [40000, 0, 50000]
    /// "SunS" in two registers.
    public static let marker: [UInt16] = [0x5375, 0x6E53]
    public static let endOfModels: UInt16 = 0xFFFF

    public struct Point: Sendable, Equatable {
        public let name: String
        public let offset: Int
        public let type: RegisterType
        /// Registers it takes (strings give theirs; others follow the type).
        public let size: Int
        /// The name of the scale-factor point that applies, if any.
        public let sf: String?
        /// The SunSpec unit ("W", "Pct", "%WHRtg", "Wh", ...).
        public let units: String?
        public let writable: Bool

        init(_ name: String, _ offset: Int, _ type: RegisterType, size: Int? = nil, sf: String? = nil,
             units: String? = nil, writable: Bool = false) {
            self.name = name
            self.offset = offset
            self.type = type
            self.size = size ?? type.words ?? 1
            self.sf = sf
            self.units = units
            self.writable = writable
        }

        /// Whether the unit is a percentage (which the catalog keeps as a fraction).
        public var isPercent: Bool { units.map { $0 == "Pct" || $0.hasPrefix("%") || $0.hasPrefix(" %") } ?? false }
    }

    public struct Model: Sendable {
        public let id: UInt16
        public let name: String
        /// The points Manta reads or writes, with the scale factors they use.
        public let points: [Point]

        /// The length L (registers after the id and length) a device's model
        /// must have at least for every listed point to be in it.
        public var minimumLength: Int { (points.map { $0.offset + $0.size }.max() ?? 2) - 2 }

        public func point(_ name: String) -> Point? { points.first { $0.name == name } }
    }

    /// The model definitions Manta knows, by id.
    public static func model(_ id: UInt16) -> Model? { models[id] }

    static let models: [UInt16: Model] = {
        var all: [UInt16: Model] = [:]
        for m in [common] + [101, 102, 103].map(intInverter) + [111, 112, 113].map(floatInverter) + [nameplate, basicSettings,
                  immediateControls, storage] + [201, 202, 203, 204].map(meter) + [derMeasurement, derCapacity, derControls,
                  derStorageCapacity, derDC, battery] {
            all[m.id] = m
        }
        return all
    }()
}
