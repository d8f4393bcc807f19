import MantaSDK

/// What a setpoint's value means (MANTA_SETPOINT_*).
public enum SetpointMode: Int32, Sendable, CaseIterable {
    /// Target W at the device's terminals, + = discharge/export.
    case activePower = 1
    /// Largest export in W, >= 0.
    case exportLimit = 2
    /// W added to the output at full under-frequency response (ABI 1.3).
    case raiseResponse = 3
    /// W taken off the output at full over-frequency response (ABI 1.3).
    case lowerResponse = 4

    /// The name at the JSON edge (RPC, the store).
    public var name: String {
        switch self {
        case .activePower: return "active_power"
        case .exportLimit: return "export_limit"
        case .raiseResponse: return "raise_response"
        case .lowerResponse: return "lower_response"
        }
    }

    public init?(name: String) {
        guard let mode = SetpointMode.allCases.first(where: { $0.name == name }) else { return nil }
        self = mode
    }
}

/// A control command (manta_setpoint_t).
public struct Setpoint: Sendable, Equatable {
    /// The device's index within its driver.
    public var device: Int
    public var mode: SetpointMode
    public var commandID: UInt64
    public var value: Double
    public var validFromMs: Int64
    public var validUntilMs: Int64
    /// For the response modes: the deviation from 50 Hz at which the
    /// response is full (ABI 1.3 full_response_hz); NaN for the device's own.
    public var fullResponseHz: Double

    public init(device: Int, mode: SetpointMode, commandID: UInt64 = 0, value: Double, validFromMs: Int64,
                validUntilMs: Int64, fullResponseHz: Double = .nan) {
        self.device = device
        self.mode = mode
        self.commandID = commandID
        self.value = value
        self.validFromMs = validFromMs
        self.validUntilMs = validUntilMs
        self.fullResponseHz = fullResponseHz
    }

    /// Field by field; two NaN droops (the device's own) are the same.
    public static func == (a: Setpoint, b: Setpoint) -> Bool {
        a.device == b.device && a.mode == b.mode && a.commandID == b.commandID && a.value == b.value
            && a.validFromMs == b.validFromMs && a.validUntilMs == b.validUntilMs
            && (a.fullResponseHz == b.fullResponseHz || a.fullResponseHz.isNaN && b.fullResponseHz.isNaN)
    }

    /// The C struct, with this side's struct_size.
    public var c: manta_setpoint_t {
        manta_setpoint_t(
            struct_size: ABIGrowth.size(of: manta_setpoint_t.self), device: UInt32(device), mode: mode.rawValue,
            reserved0: 0, command_id: commandID, value: value, valid_from_ms: validFromMs, valid_until_ms: validUntilMs,
            full_response_hz: fullResponseHz)
    }

    /// Reads a setpoint; fails with the code for a mode this side does not
    /// know. A 1.3 field its writer did not know (or left 0) reads as NaN.
    public static func read(_ c: manta_setpoint_t) -> Result<Setpoint, UnknownCode> {
        guard let mode = SetpointMode(rawValue: c.mode) else { return .failure(UnknownCode(what: "setpoint mode", code: c.mode)) }
        let droop = ABIGrowth.hasField(c.struct_size, \manta_setpoint_t.full_response_hz) && c.full_response_hz > 0
            ? c.full_response_hz : .nan
        return .success(Setpoint(device: Int(c.device), mode: mode, commandID: c.command_id, value: c.value,
                                 validFromMs: c.valid_from_ms, validUntilMs: c.valid_until_ms, fullResponseHz: droop))
    }
}

/// What happened to a setpoint (manta_setpoint_result_t, and the command it answers).
public struct SetpointOutcome: Sendable, Equatable {
    /// MANTA_OUTCOME_*.
    public enum Outcome: Int32, Sendable, CaseIterable {
        /// The device took the value as given.
        case applied = 1
        /// The device took a smaller magnitude.
        case clamped = 2
        /// Refused (read-only, bad mode, bad value).
        case rejected = 3
        /// Tried and failed (I/O, timeout).
        case failed = 4

        /// A driver's code; one this side does not know is `.failed`: a
        /// setpoint is never taken as applied on a guess.
        public init(code: Int32) { self = Outcome(rawValue: code) ?? .failed }

        /// The name at the JSON edge (RPC, the store).
        public var name: String {
            switch self {
            case .applied: return "applied"
            case .clamped: return "clamped"
            case .rejected: return "rejected"
            case .failed: return "failed"
            }
        }

        /// Whether the setpoint did not take effect.
        public var refusedOrFailed: Bool { self == .rejected || self == .failed }
    }

    /// The command this answers (the setpoint's command_id; the C result
    /// does not carry it).
    public var commandID: UInt64
    public var outcome: Outcome
    /// The value in force after the call; NaN when not known.
    public var appliedValue: Double
    public var message: String

    public init(_ outcome: Outcome, applied: Double, _ message: String = "", commandID: UInt64 = 0) {
        self.commandID = commandID
        self.outcome = outcome
        self.appliedValue = applied
        self.message = message
    }

    /// Reads what a driver filled in for command `commandID`.
    public init(_ c: manta_setpoint_result_t, commandID: UInt64) {
        self.init(Outcome(code: c.outcome), applied: c.applied_value, ABIMessage.read(c.message), commandID: commandID)
    }

    /// The C struct (struct_size 0: the owner's stays when written with
    /// ABIGrowth.write).
    public var c: manta_setpoint_result_t {
        var c = manta_setpoint_result_t()
        c.outcome = outcome.rawValue
        c.applied_value = appliedValue
        ABIMessage.copy(message, into: &c.message)
        return c
    }
}

/// A code from the other side that this side does not know.
public struct UnknownCode: Error, Sendable, Equatable, CustomStringConvertible {
    public var what: String
    public var code: Int32

    public init(what: String, code: Int32) {
        self.what = what
        self.code = code
    }

    public var description: String { "unknown \(what) \(code)" }
}
