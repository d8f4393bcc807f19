import DequeModule

/// How much an event matters.
public enum Severity: String, Sendable, CaseIterable, Decodable {
    case info, warning, error

    var logLevel: Logger.Level {
        switch self {
        case .info: return .info
        case .warning: return .warn
        case .error: return .error
        }
    }
}

/// Diagnostics the operator should see: plugin failures, dispatch
/// fallbacks, refused samples. The latest `capacity` are kept in memory for
/// events.list (a ring: recording is O(1) however full it is); every one
/// is written to the store and the log.
@LoopActor
final class EventLog {
    struct Event: Sendable {
        var id: Int
        var tMs: Int64
        var severity: Severity
        var source: String
        var kind: String
        var message: String
    }

    private(set) var recent = Deque<Event>()
    /// Told of each event as it is recorded (subscriptions follow them).
    var onRecord: ((Event) -> Void)?
    private var nextID = 1
    let capacity: Int
    private let store: StorePipeline
    private let logger: Logger
    private let clock: HostClock

    init(store: StorePipeline, logger: Logger, clock: HostClock, capacity: Int = 10_000) {
        self.store = store
        self.logger = logger
        self.clock = clock
        self.capacity = capacity
    }

    /// Records an event at host time `t` (now when not given).
    func record(_ severity: Severity, source: String, kind: String, _ message: String, atMs t: Int64? = nil) {
        let t = t ?? clock.nowMs()
        let e = Event(id: nextID, tMs: t, severity: severity, source: source, kind: kind, message: message)
        nextID += 1
        recent.append(e)
        if recent.count > capacity { recent.removeFirst() }
        onRecord?(e)
        store.add { $0.events.append(EventRow(tMs: t, severity: severity.rawValue, source: source, kind: kind, message: message)) }
        logger.log(severity.logLevel, source, "\(kind): \(message)")
    }
}
