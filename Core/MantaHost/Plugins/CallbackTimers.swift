/// The one pending on_callback() each instance may have asked for
/// (host.h's request_callback): a loop timer per instance, firing on the
/// host clock, that hands the call to the instance's worker.
@LoopActor
final class CallbackTimers {
    private let plugins: PluginTable
    private let clock: HostClock
    private var timers: [Int: LoopTimer] = [:]
    /// Requests made before `start`, kept until then (host.h: "requests
    /// made before start() are kept"): while plugins boot, a replay clock
    /// stands still, so no host-clock delay may elapse yet.
    private var early: [Int: Int64] = [:]
    private var started = false
    private var closed = false

    init(plugins: PluginTable, clock: HostClock) {
        self.plugins = plugins
        self.clock = clock
    }

    /// Arms instance `index`'s callback `delayMs` of host time from now,
    /// replacing one that is pending.
    func schedule(_ index: Int, delayMs: Int64) {
        guard started else {
            early[index] = delayMs
            return
        }
        guard !closed, let instance = plugins.instance(at: index) else { return }
        let timer = timers[index] ?? LoopTimer()
        timers[index] = timer
        timer.schedule(afterMs: UInt64(clock.wallMs(forHostMs: max(0, delayMs)))) { [unowned self] in
            switch instance.state {
            case .started:
                instance.fireCallback()
            case .created:
                // Asked for during start() (a runner's instance being
                // restarted), due before start() has returned: kept until
                // then (host.h), not dropped.
                schedule(index, delayMs: Int64((10 * clock.speed).rounded(.up)))
            default:
                return
            }
        }
    }

    /// Arms the requests made while the plugins booted.
    func start() {
        started = true
        for (index, delay) in early.sorted(by: { $0.key < $1.key }) { schedule(index, delayMs: delay) }
        early = [:]
    }

    /// No callback fires after this (stop order: before the instances stop).
    func cancelAll() {
        closed = true
        for t in timers.values { t.cancel() }
    }

    func close() {
        closed = true
        for t in timers.values { t.close() }
        timers = [:]
    }
}
