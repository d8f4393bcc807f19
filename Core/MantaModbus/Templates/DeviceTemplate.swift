import MantaJSON

/// A vendor's register map, declared in a template file under
/// registry/devices/: how to recognise the device, what it is, which
/// registers hold which catalog points (and how to scale them), and which
/// registers to write to control it. Adding a vendor is adding a file.
///
/// A template is either a plain register map (`"protocol": "modbus"`) or a
/// profile of a SunSpec device (`"protocol": "sunspec"`), which the SunSpec
/// reader serves and the template only names, defaults and recognises.
public struct DeviceTemplate: Sendable {
    public enum Wire: String, Sendable { case modbus, sunspec }

    /// Where one value lives.
    public struct Register: Sendable, Equatable {
        public var function: ModbusFrame.Function
        public var address: Int
        public var type: RegisterType
        /// Registers it takes (strings: given; others: from the type).
        public var count: Int
        public var wordOrder: WordOrder
        /// Catalog value = register value x scale + offset.
        public var scale: Double
        public var offset: Double
        /// Register values that mean "no value" (besides NaN).
        public var unavailable: [Double]
        /// The register holding the sign: the value is negated when `bit` is set in it.
        public var sign: SignSource?
        /// Names for codes, for identity registers that hold a model code.
        public var labels: [Int: String] = [:]
    }

    public struct SignSource: Sendable, Equatable {
        public var function: ModbusFrame.Function
        public var address: Int
        public var bit: Int
    }

    /// A register or a fixed number (a rating that is not on the device).
    public enum Source: Sendable, Equatable {
        case register(Register)
        case constant(Double)
    }

    public struct Identify: Sendable, Equatable {
        /// For `modbus` templates: a register and what it must hold.
        public var register: Register?
        public var prefix: String?
        public var oneOf: [Double]
        /// For `sunspec` templates: the common model's manufacturer, case-insensitive prefix.
        public var sunspecManufacturer: String?
    }

    /// One register write of a control sequence.
    public struct Write: Sendable, Equatable {
        public enum Value: Sendable, Equatable {
            case constant(Double)
            /// The magnitude of the power asked for, W.
            case powerW
            /// The export limit asked for, W.
            case limitW
            /// The setpoint's remaining validity.
            case minutes, seconds
        }

        public var address: Int
        public var type: RegisterType
        public var wordOrder: WordOrder
        /// Register value = value / scale.
        public var scale: Double
        public var value: Value
    }

    public struct ActivePower: Sendable, Equatable {
        public var charge: [Write]
        public var discharge: [Write]
        public var hold: [Write]
        /// Written when a setpoint's validity ends with no newer one: hands
        /// the battery back to the device's own control.
        public var release: [Write]
        public var direction: Register
        public var chargeCode: Double
        public var dischargeCode: Double
        public var chargePower: Register
        public var dischargePower: Register
    }

    public struct ExportLimit: Sendable, Equatable {
        public var set: [Write]
        public var release: [Write]
        public var enabled: Register
        public var enabledCode: Double
        public var limit: Register
    }

    public let id: String
    public let manufacturer: String
    public let model: String
    /// A catalog device kind name: pv_inverter, hybrid_inverter, battery, meter ...
    public let kind: String
    public let `protocol`: Wire
    public let port: Int
    public let unitID: UInt8
    public let identify: Identify
    public let identity: [String: Register]
    public let ratings: [String: Source]
    public let points: [(point: String, register: Register)]
    public let activePower: ActivePower?
    public let exportLimit: ExportLimit?
    /// Where the register facts come from.
    public let sources: [String]
    /// The file it was read from.
    public let file: String
}
