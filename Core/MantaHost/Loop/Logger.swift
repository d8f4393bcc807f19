import Glibc
import Synchronization

/// Log lines to standard error: `2026-11-21T10:15:00.123Z INFO  [source] text`.
///
/// [any] Thread-safe; one write(2) per line so lines from different threads
/// never interleave.
public final class Logger: Sendable {
    public enum Level: Int, Sendable, Comparable {
        case debug = 10, info = 20, warn = 30, error = 40

        public init?(name: String) {
            switch name.lowercased() {
            case "debug": self = .debug
            case "info": self = .info
            case "warn", "warning": self = .warn
            case "error": self = .error
            default: return nil
            }
        }

        var label: String {
            switch self {
            case .debug: return "DEBUG"
            case .info: return "INFO "
            case .warn: return "WARN "
            case .error: return "ERROR"
            }
        }

        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
    }

    private let minimum: Atomic<Int>
    private let fd: Int32

    public init(level: Level = .info, fd: Int32 = 2) {
        minimum = Atomic(level.rawValue)
        self.fd = fd
    }

    public var level: Level {
        get { Level(rawValue: minimum.load(ordering: .relaxed)) ?? .info }
        set { minimum.store(newValue.rawValue, ordering: .relaxed) }
    }

    public func log(_ level: Level, _ source: String, _ message: @autoclosure () -> String) {
        guard level.rawValue >= minimum.load(ordering: .relaxed) else { return }
        var line = "\(Logger.timestamp()) \(level.label) [\(source)] \(message())\n"
        line.withUTF8 { buf in _ = Glibc.write(fd, buf.baseAddress, buf.count) }
    }

    public func debug(_ source: String, _ m: @autoclosure () -> String) { log(.debug, source, m()) }
    public func info(_ source: String, _ m: @autoclosure () -> String) { log(.info, source, m()) }
    public func warn(_ source: String, _ m: @autoclosure () -> String) { log(.warn, source, m()) }
    public func error(_ source: String, _ m: @autoclosure () -> String) { log(.error, source, m()) }

    /// UTC, ISO 8601 with milliseconds.
    static func timestamp() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var t = time_t(ts.tv_sec)
        var parts = tm()
        gmtime_r(&t, &parts)
        func pad(_ n: Int32, _ w: Int = 2) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        return "\(parts.tm_year + 1900)-\(pad(parts.tm_mon + 1))-\(pad(parts.tm_mday))T"
            + "\(pad(parts.tm_hour)):\(pad(parts.tm_min)):\(pad(parts.tm_sec)).\(pad(Int32(ts.tv_nsec / 1_000_000), 3))Z"
    }
}
