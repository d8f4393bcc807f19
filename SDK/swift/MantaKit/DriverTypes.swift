import MantaSDK

/// A device as a driver describes it (manta_device_info_t).
public struct DeviceInfo: Sendable {
    public var kind: Int32  // MANTA_DEVICE_*
    public var key: String
    public var site: String
    public var manufacturer = ""
    public var model = ""
    public var serial = ""
    public var ratedPowerW = Double.nan
    public var maxChargeW = 0.0
    public var maxDischargeW = 0.0
    public var capacityWh = Double.nan
    public var socMin = 0.0
    public var socMax = 1.0
    public var roundTripEfficiency = Double.nan
    public var controllable = false
    public var readOnly = false

    public init(kind: Int32, key: String, site: String) {
        self.kind = kind
        self.key = key
        self.site = site
    }
}

/// A control command (manta_setpoint_t).
public struct Setpoint: Sendable {
    public var device: Int
    public var mode: Int32  // MANTA_SETPOINT_*
    public var commandID: UInt64
    public var value: Double
    public var validFromMs: Int64
    public var validUntilMs: Int64

    public init(device: Int, mode: Int32, commandID: UInt64 = 0, value: Double, validFromMs: Int64, validUntilMs: Int64) {
        self.device = device
        self.mode = mode
        self.commandID = commandID
        self.value = value
        self.validFromMs = validFromMs
        self.validUntilMs = validUntilMs
    }

    init(_ c: manta_setpoint_t) {
        device = Int(c.device)
        mode = c.mode
        commandID = c.command_id
        value = c.value
        validFromMs = c.valid_from_ms
        validUntilMs = c.valid_until_ms
    }
}

/// What happened to a setpoint (manta_setpoint_result_t).
public struct SetpointOutcome: Sendable {
    public var outcome: Int32  // MANTA_OUTCOME_*
    public var appliedValue: Double
    public var message: String

    public init(_ outcome: Int32, applied: Double, _ message: String = "") {
        self.outcome = outcome
        self.appliedValue = applied
        self.message = message
    }
}

/// Copies `text` into a fixed C message buffer, truncated at a UTF-8
/// boundary and NUL-terminated.
func copyMessage<T>(_ text: String, into buffer: inout T) {
    withUnsafeMutableBytes(of: &buffer) { raw in
        let room = raw.count - 1
        var bytes = Array(text.utf8.prefix(room))
        while let last = bytes.last, last & 0xC0 == 0x80 { bytes.removeLast() }  // drop a cut continuation
        if let last = bytes.last, last >= 0xC0 { bytes.removeLast() }  // and its lead byte
        raw.copyBytes(from: bytes)
        raw[bytes.count] = 0
    }
}
