/// Diagnostics the operator should see: plugin failures, dispatch
/// fallbacks, refused samples. Kept in memory for events.list and written
/// to the store.
///
/// [loop] Confined to the loop thread.
final class EventLog {
    struct Event: Sendable {
        var id: Int
        var tMs: Int64
        var severity: String
        var source: String
        var kind: String
        var message: String
    }

    private(set) var recent: [Event] = []
    private var nextID = 1
    private let capacity = 10_000
    private let store: StorePipeline
    private let logger: Logger

    init(store: StorePipeline, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    /// Records an event; `severity` is "info", "warning" or "error".
    func record(_ severity: String, source: String, kind: String, _ message: String, atMs t: Int64) {
        let e = Event(id: nextID, tMs: t, severity: severity, source: source, kind: kind, message: message)
        nextID += 1
        recent.append(e)
        if recent.count > capacity { recent.removeFirst(recent.count - capacity) }
        store.add { $0.events.append(EventRow(tMs: t, severity: severity, source: source, kind: kind, message: message)) }
        let level: Logger.Level = severity == "error" ? .error : severity == "warning" ? .warn : .info
        logger.log(level, source, "\(kind): \(message)")
    }
}
