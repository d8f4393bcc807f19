import MantaIO
import MantaJSON
import MantaSDK
import Glibc

/// Where an instance's plugin code runs (`plugins[].isolation`).
public enum PluginIsolation: String, Sendable, CaseIterable, Decodable {
    /// In a `manta-runner` process of its own: a crash ends the runner only.
    case process
    /// In the host process, on the instance's worker thread.
    case inProcess = "in-process"
}

/// What a process-isolated instance needs beyond an in-process one.
struct ProcessIsolation: Sendable {
    /// The plugin's manifest file (the runner reads and checks it again).
    let manifestPath: String
    let clock: HostClock
    /// The catalog's point ids by name: the runner answers point_id itself.
    let pointIDs: [String: UInt32]
    let hostVersion: String
    /// Restarts allowed after the runner ends unasked.
    let maxRestarts: Int
    /// First restart delay; each further one doubles it.
    var backoffMs: Int64 = 1_000
    /// Told (on the runner's reader thread) that the runner ended: the
    /// reason and, when one follows, the delay before the restart.
    let exited: @Sendable (PluginInstance, _ pid: Int32, _ reason: String, _ restartInMs: Int64?) -> Void
    /// Told (on a restart thread) once a restarted instance is created,
    /// before it starts: a driver's devices are described again.
    let recreated: @Sendable (PluginInstance) -> Void
    /// Told (on the restart thread) that a restarted instance has started.
    var restarted: @Sendable (PluginInstance, _ pid: Int32) -> Void = { _, _ in }
}

/// A runner's history: how often it was restarted and how it last ended.
struct Supervision: Sendable {
    var link: RunnerLink?
    var restarts = 0
    var lastExit: String?
    /// Set by stop and destroy: an exit from here on is expected.
    var closing = false
    /// A restart is scheduled (its backoff running) or under way.
    var restartDue = false
}

/// The one stand-in handle of a runner's instance: the real pointer lives
/// in the runner; this only says "created" to the host's checks.
private let runnerHandle = InstanceHandle(raw: OpaquePointer(bitPattern: 0x1)!)

extension PluginInstance {
    /// The live runner, when the instance runs in one.
    var runner: RunnerLink? { supervision.withLock { $0.link } }
    /// The runner's pid, nil in process or while no runner is running.
    public var runnerPID: Int32? { runner?.pid }
    public var restarts: Int { supervision.withLock { $0.restarts } }
    public var lastExit: String? { supervision.withLock { $0.lastExit } }
    public var isolationMode: PluginIsolation { isolation == nil ? .inProcess : .process }

    /// [host] Starts a runner, waits for it to load the module, then
    /// creates the instance in it.
    func createInRunner(config: JSON) throws(PluginRefusal) {
        guard let iso = isolation else { return }
        let name = self.name
        func refuse(_ why: String) -> PluginRefusal {
            fail(.failed, why)
            return PluginRefusal(plugin: module.id, path: module.path, reason: "instance \(name): \(why)")
        }
        let link: RunnerLink
        do {
            link = try RunnerLink(library: module.path, manifest: iso.manifestPath, context: context, clock: iso.clock) {
                [weak self] reason in self?.runnerEnded(reason)
            }
        } catch { throw refuse(error.message) }
        supervision.withLock { $0.link = link }
        switch link.loaded(timeoutMs: callTimeoutMs) {
        case .failure(let e): throw refuse(e.message)
        case .success(let abi): module.adoptRunnerABI(major: abi.major, minor: abi.minor, minHostMinor: abi.minHostMinor)
        }
        let json = config.serialized(), index = UInt32(context.index)
        let answer = link.call(.create, timeoutMs: callTimeoutMs, what: "create()") { w in
            w.u32(UInt32(iso.pointIDs.count))
            for (n, id) in iso.pointIDs.sorted(by: { $0.key < $1.key }) {
                w.str(n)
                w.u32(id)
            }
            w.str(name)
            w.u32(index)
            w.str(json)
            w.str(iso.hostVersion)
        }
        guard var r = answer else { throw refuse("create() got no answer: the runner ended") }
        guard (try? r.bool()) == true else {
            let detail = lastError.isEmpty ? "" : ": \(lastError)"
            throw refuse("create() returned NULL\(detail)")
        }
        setHandle(runnerHandle)
        setState(.created)
    }

    /// [host] Destroys the instance in its runner and waits for it to exit.
    func destroyRunner() {
        guard let link = runner else { return }
        if state != .failed { _ = link.call(.destroy, timeoutMs: callTimeoutMs, what: "destroy()") }
        if link.waitForExit(timeoutMs: 2_000) == nil {
            link.end("did not exit after destroy()")
            _ = link.waitForExit(timeoutMs: 2_000)
        }
    }

    /// The runner ended (reader thread): failed, reported, restarted.
    private func runnerEnded(_ reason: String) {
        guard let iso = isolation else { return }
        let (pid, expected, attempt) = supervision.withLock { s -> (Int32, Bool, Int?) in
            let pid = s.link?.pid ?? 0
            s.link = nil
            if s.closing { return (pid, true, nil) }
            s.lastExit = reason
            guard s.restarts < iso.maxRestarts else { return (pid, false, nil) }
            s.restarts += 1
            s.restartDue = true
            return (pid, false, s.restarts)
        }
        if expected { return }
        setHandle(nil)
        fail(.failed, "runner \(pid) \(reason)")
        let delay = attempt.map { iso.backoffMs << Int64(min(20, $0 - 1)) }
        iso.exited(self, pid, reason, delay)
        guard let delay else { return }
        let restarter = Worker(name: "restart:\(name)")
        restarter.submit { [self] in
            usleep(useconds_t(min(Int64(UInt32.max / 1000), delay)) * 1000)
            restart()
            restarter.close()
        }
    }

    /// [host] Creates and starts the instance again in a new runner, with
    /// the config it was first created with.
    private func restart() {
        let closing = supervision.withLock { s -> Bool in
            s.restartDue = false
            return s.closing
        }
        guard let config = createdWith, !closing else { return }
        do { try createInRunner(config: config) } catch { return }
        isolation?.recreated(self)
        if start(), let pid = runnerPID { isolation?.restarted(self, pid) }
    }
}

extension PluginInstance {
    /// [host] An operator's restart of a runner that stayed failed (its
    /// restarts used up, or max_restarts 0): the count starts again and a
    /// new runner is started at once. Returns why not, when it cannot be.
    func restartByOperator() -> String? {
        guard isolation != nil else { return "runs in process; only an instance in a runner is restarted (restart mantad)" }
        guard state == .failed else { return "is \(state.rawValue), not failed" }
        let ok = supervision.withLock { s -> Bool in
            guard s.link == nil, !s.closing, !s.restartDue else { return false }
            s.restarts = 0
            s.restartDue = true
            return true
        }
        guard ok else { return "is being restarted already" }
        let restarter = Worker(name: "restart:\(name)")
        restarter.submit { [self] in
            restart()
            restarter.close()
        }
        return nil
    }
}

/// Calls into a runner, made on the instance's worker (so in order with
/// the rest, as in process); each waits for its reply within the time limit.
enum RunnerCalls {
    /// start()'s status; nil when the runner did not answer (it has ended).
    static func start(_ l: RunnerLink, timeoutMs: Int64) -> Int32? {
        guard var r = l.call(.start, timeoutMs: timeoutMs, what: "start()") else {
            _ = l.waitForExit(timeoutMs: 2_000)
            return nil
        }
        return (try? r.i32()) ?? MANTA_ERR_IO
    }
}
