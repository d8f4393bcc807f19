import MantaSDK

/// Names of MANTA_* status codes, for messages.
public enum StatusCode {
    public static func name(_ rc: Int32) -> String {
        switch rc {
        case MANTA_OK: return "MANTA_OK"
        case MANTA_ERR_INVALID: return "MANTA_ERR_INVALID"
        case MANTA_ERR_UNSUPPORTED: return "MANTA_ERR_UNSUPPORTED"
        case MANTA_ERR_STATE: return "MANTA_ERR_STATE"
        case MANTA_ERR_IO: return "MANTA_ERR_IO"
        case MANTA_ERR_TIMEOUT: return "MANTA_ERR_TIMEOUT"
        case MANTA_ERR_CONFIG: return "MANTA_ERR_CONFIG"
        case MANTA_ERR_VERSION: return "MANTA_ERR_VERSION"
        case MANTA_ERR_INTERNAL: return "MANTA_ERR_INTERNAL"
        case MANTA_ERR_BUSY: return "MANTA_ERR_BUSY"
        default: return "status \(rc)"
        }
    }
}

/// Log levels (MANTA_LOG_*), the severities of a plugin's log lines.
public enum LogLevel: Int32, Sendable, CaseIterable {
    case debug = 10, info = 20, warn = 30, error = 40

    /// The level of a code a plugin passed: a code between two levels is the
    /// lower one, below debug is debug, above error is error. Never fails:
    /// a plugin's odd level still gets its line logged.
    public init(code: Int32) {
        self = code >= LogLevel.error.rawValue ? .error : code >= LogLevel.warn.rawValue ? .warn
            : code >= LogLevel.info.rawValue ? .info : .debug
    }

    /// The name at the JSON edge.
    public var name: String {
        switch self {
        case .debug: return "debug"
        case .info: return "info"
        case .warn: return "warn"
        case .error: return "error"
        }
    }
}
