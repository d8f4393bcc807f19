/// Notices plugin calls that never return. A call running longer than
/// `hungAfterMs` (monotonic: a step of the wall clock cannot trigger it)
/// marks its instance hung: no further calls are made to it, and an event
/// says so.
@LoopActor
final class PluginWatchdog {
    private let plugins: PluginTable
    private let events: EventLog
    private let hungAfterMs: Int64

    init(plugins: PluginTable, events: EventLog, hungAfterMs: Int64) {
        self.plugins = plugins
        self.events = events
        self.hungAfterMs = hungAfterMs
    }

    func check() {
        // A runner's call has its own time limit (RunnerLink), past which
        // the runner is ended and restarted rather than abandoned.
        for inst in plugins.instances where inst.state == .started && inst.isolation == nil {
            let busy = inst.worker.busyForMs
            if busy > hungAfterMs {
                inst.setState(.hung, error: "a call has not returned for \(busy) ms")
                events.record(.error, source: inst.name, kind: "plugin.hung",
                              "a call has not returned for \(busy) ms; no further calls will be made")
            }
        }
    }
}
