import MantaABI

/// A device as the host knows it.
public struct DeviceDescriptor: Sendable, Equatable {
    /// Fleet-wide number, stable across restarts (the store's devices.id).
    public var number: UInt32
    /// Global id "<instance>/<key>".
    public var id: String
    /// The driver instance that serves the device, and its index there.
    public var instance: String
    public var index: UInt32
    public var key: String
    public var kind: DeviceKind
    public var site: String
    public var manufacturer: String
    public var model: String
    public var serial: String
    public var ratings: DeviceRatings
    public var controllable: Bool
    public var readOnly: Bool
    /// Has a local frequency controller (MANTA_DEVICE_F_FREQUENCY_RESPONSE):
    /// contingency FCAS can be enabled on it.
    public var respondsToFrequency = false
    /// False when the operator has taken the device out of dispatch.
    public var enabled = true

    public init(
        number: UInt32, instance: String, index: UInt32, key: String, kind: DeviceKind, site: String,
        manufacturer: String = "", model: String = "", serial: String = "", ratings: DeviceRatings,
        controllable: Bool, readOnly: Bool
    ) {
        self.number = number
        self.id = "\(instance)/\(key)"
        self.instance = instance
        self.index = index
        self.key = key
        self.kind = kind
        self.site = site
        self.manufacturer = manufacturer
        self.model = model
        self.serial = serial
        self.ratings = ratings
        self.controllable = controllable
        self.readOnly = readOnly
    }

    /// True when the dispatch cycle may send this device power setpoints.
    public var dispatchable: Bool { enabled && controllable && !readOnly && kind.storesEnergy }
}
