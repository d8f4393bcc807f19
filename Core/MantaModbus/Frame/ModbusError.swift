/// Why a Modbus exchange failed, worded for an operator's log line.
public enum ModbusError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The TCP connection could not be made.
    case connect(String)
    /// No (complete) answer arrived in time.
    case timeout(String)
    /// The device closed the connection.
    case closed
    /// The device answered with a Modbus exception.
    case exception(function: UInt8, code: UInt8)
    /// The bytes were not a valid answer to the request.
    case malformed(String)
    /// The request itself cannot be sent (too many registers, bad address).
    case invalidRequest(String)

    public var description: String {
        switch self {
        case .connect(let why): return "connect: \(why)"
        case .timeout(let what): return "timeout: \(what)"
        case .closed: return "the device closed the connection"
        case .exception(let f, let c): return "Modbus exception \(c) (\(ModbusError.exceptionName(c))) to function \(f)"
        case .malformed(let why): return "malformed answer: \(why)"
        case .invalidRequest(let why): return "invalid request: \(why)"
        }
    }

    /// Whether the connection can carry on after this error. A timeout or an
    /// exception leaves the stream in step; garbage or a closed socket does not.
    public var connectionUsable: Bool {
        switch self {
        case .timeout, .exception, .invalidRequest: return true
        case .connect, .closed, .malformed: return false
        }
    }

    /// The standard exception codes (Modbus Application Protocol v1.1b3, 7).
    public static func exceptionName(_ code: UInt8) -> String {
        switch code {
        case 1: return "illegal function"
        case 2: return "illegal data address"
        case 3: return "illegal data value"
        case 4: return "server device failure"
        case 5: return "acknowledge"
        case 6: return "server device busy"
        case 8: return "memory parity error"
        case 10: return "gateway path unavailable"
        case 11: return "gateway target device failed to respond"
        default: return "unknown exception"
        }
    }
}
