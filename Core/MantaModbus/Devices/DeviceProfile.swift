/// Who a device says it is.
public struct DeviceIdentity: Sendable, Equatable {
    public var manufacturer = ""
    public var model = ""
    public var serial = ""
    public var version = ""

    public init(manufacturer: String = "", model: String = "", serial: String = "", version: String = "") {
        self.manufacturer = manufacturer
        self.model = model
        self.serial = serial
        self.version = version
    }
}

/// Ratings read from a device (nil where it does not say).
public struct DeviceRatingsRead: Sendable, Equatable {
    public var ratedPowerW: Double?
    public var maxChargeW: Double?
    public var maxDischargeW: Double?
    public var capacityWh: Double?
    public var socMin: Double?
    public var socMax: Double?

    public init() {}
}

/// What a control write came to, read back from the device.
public struct ControlResult: Sendable, Equatable {
    /// The value in force after the write (W).
    public var appliedW: Double
    public var note: String

    public init(appliedW: Double, note: String = "") {
        self.appliedW = appliedW
        self.note = note
    }
}

public enum DeviceError: Error, Sendable, Equatable, CustomStringConvertible {
    case modbus(ModbusError)
    /// The device is not what the configuration says it is.
    case mismatch(String)
    /// The device cannot do what was asked.
    case unsupported(String)

    public var description: String {
        switch self {
        case .modbus(let e): return e.description
        case .mismatch(let why): return why
        case .unsupported(let why): return why
        }
    }
}

/// How a driver talks to one kind of device: recognise it and learn its
/// layout, read its points, write its controls. SunSpecProfile-backed and
/// template-backed devices implement it; the driver's polling, backoff and
/// write safety are the same for both.
///
/// Called with the device's lock held, one call at a time.
public protocol DeviceProfile: AnyObject {
    /// Recognises the device on `unit` and reads its identity and ratings.
    /// Called after every (re)connect.
    func attach(_ client: ModbusClient, unit: UInt8) throws(DeviceError) -> (DeviceIdentity, DeviceRatingsRead)
    /// Reads the device's catalog points.
    func poll(_ client: ModbusClient, unit: UInt8) throws(DeviceError) -> [(point: String, value: Double)]
    /// The export (active power) limit in force on the device, W; nil if none.
    func exportLimit(_ client: ModbusClient, unit: UInt8) throws(DeviceError) -> Double?
    var canSetActivePower: Bool { get }
    var canLimitExport: Bool { get }
    /// Asks for `targetW` (+ = discharge/export) for `validS` seconds.
    func setActivePower(_ targetW: Double, validS: Int, _ client: ModbusClient, unit: UInt8) throws(DeviceError) -> ControlResult
    /// Hands active power back to the device's own control.
    func releaseActivePower(_ client: ModbusClient, unit: UInt8) throws(DeviceError)
    /// Limits export to `limitW` for `validS` seconds.
    func setExportLimit(_ limitW: Double, validS: Int, _ client: ModbusClient, unit: UInt8) throws(DeviceError) -> ControlResult
    func releaseExportLimit(_ client: ModbusClient, unit: UInt8) throws(DeviceError)
}

extension DeviceError {
    /// Runs `body`, turning Modbus errors into device errors.
    public static func io<T>(_ body: () throws(ModbusError) -> T) throws(DeviceError) -> T {
        do { return try body() } catch { throw .modbus(error) }
    }
}
