import MantaABI
import MantaIO
import MantaJSON
import MantaSDK
import Synchronization

/// Where an instance is in its lifecycle.
public enum InstanceState: String, Sendable {
    case created, started, stopped, destroyed
    /// create or start failed; `lastError` says why.
    case failed
    /// A call did not return within its time limit. Its worker is still
    /// inside the plugin; the host makes no further calls and works on.
    case hung
}

/// An opaque manta_instance_t pointer, carried between threads.
struct InstanceHandle: @unchecked Sendable {
    // @unchecked: a C handle the plugin owns. The host never dereferences
    // it; it only hands it back to the plugin, on the instance's worker.
    let raw: OpaquePointer
}

/// One plugin instance as the host runs it: its module, its worker thread,
/// its host table and its lifecycle.
///
/// Lifecycle calls (`create`, `start`, `stop`, `destroy`) wait for the
/// worker, with a time limit; they are made on a host control thread
/// (startup, shutdown), never on the loop. Calls during operation
/// (`perform`) never wait: they run on the worker and hand the result back.
public final class PluginInstance: Sendable {
    public let name: String
    public let module: LoadedModule
    public let worker: Worker
    let table: HostTable
    /// Who the instance's callbacks come from (the host table's host_data).
    let context: InstanceContext
    /// Set when the instance runs in a runner process of its own.
    let isolation: ProcessIsolation?
    let supervision = Mutex(Supervision())
    private let stateBox = Mutex<(state: InstanceState, lastError: String, handle: InstanceHandle?)>((.created, "", nil))
    private let counters = Mutex<(calls: Int, failures: Int, timeouts: Int, errors: Int)>((0, 0, 0, 0))
    /// Time limit for one call into the plugin, wall ms.
    public let callTimeoutMs: Int64
    private let created = Mutex<JSON?>(nil)
    /// The config create() was given.
    var createdWith: JSON? { created.withLock { $0 } }

    init(name: String, index: Int, module: LoadedModule, services: HostServices, callTimeoutMs: Int64,
         hostVersion: String, isolation: ProcessIsolation? = nil) {
        self.name = name
        self.module = module
        self.callTimeoutMs = callTimeoutMs
        self.isolation = isolation
        worker = Worker(name: name)
        context = InstanceContext(name: name, index: index, services: services)
        table = HostTable(context: context, hostName: "mantad", hostVersion: hostVersion)
    }

    public var state: InstanceState { stateBox.withLock { $0.state } }
    public var lastError: String { stateBox.withLock { $0.lastError } }
    public var stats: (calls: Int, failures: Int, timeouts: Int, errors: Int) { counters.withLock { $0 } }
    /// The plugin's instance pointer, once create() has returned one.
    var handle: InstanceHandle? { stateBox.withLock { $0.handle } }

    func setState(_ s: InstanceState, error: String? = nil) {
        stateBox.withLock {
            $0.state = s
            if let error { $0.lastError = error }
        }
    }

    /// Sets the handle a created instance answers to (a runner's stand-in).
    func setHandle(_ h: InstanceHandle?) { stateBox.withLock { $0.handle = h } }

    /// Counts a plugin's report_error().
    func noteReportedError(_ message: String) {
        counters.withLock { $0.errors += 1 }
        stateBox.withLock { $0.lastError = message }
    }

    /// True when no call may be made: never created, failed, hung or gone.
    var unusable: Bool {
        stateBox.withLock { $0.handle == nil || [.failed, .hung, .destroyed].contains($0.state) }
    }

    // MARK: lifecycle (waits for the worker)

    /// [host] Creates the instance with an already validated config.
    /// On failure the state is `.failed` and the error says why.
    func create(config: JSON) throws(PluginRefusal) {
        created.withLock { $0 = config }
        if isolation != nil { return try createInRunner(config: config) }
        let json = config.serialized()
        let module = self.module, table = self.table
        let result = worker.sync(timeoutMs: callTimeoutMs) { () -> InstanceHandle? in
            json.withManta { module.table.pointee.create(table.raw, $0).map(InstanceHandle.init) }
        }
        switch result {
        case .none:
            fail(.hung, "create() did not return within \(callTimeoutMs) ms")
        case .some(.none):
            let detail = lastError.isEmpty ? "" : ": \(lastError)"
            fail(.failed, "create() returned NULL\(detail)")
        case .some(.some(let h)):
            stateBox.withLock {
                $0.handle = h
                $0.state = .created
            }
            return
        }
        throw PluginRefusal(plugin: module.id, path: module.path, reason: "instance \(name): \(lastError)")
    }

    /// [host] Starts the instance; on failure it stays stopped with the reason.
    func start() -> Bool {
        guard let h = handle, !unusable else { return false }
        let module = self.module, link = runner, timeout = callTimeoutMs
        let call: @Sendable () -> Int32?
        if let link {
            call = { RunnerCalls.start(link, timeoutMs: timeout) }
        } else {
            call = { module.table.pointee.start(h.raw) }
        }
        switch worker.sync(timeoutMs: callTimeoutMs + 1_000, call) {
        case .some(.none):
            // The runner ended or was ended: its exit says why, and fails
            // the instance with that (ProcessIsolation).
            return false
        case .none:
            fail(.hung, "start() did not return within \(callTimeoutMs) ms")
            return false
        case .some(.some(let rc)) where rc != MANTA_OK:
            fail(.failed, "start() returned \(StatusCode.name(rc))\(lastError.isEmpty ? "" : ": \(lastError)")")
            return false
        default:
            setState(.started)
            return true
        }
    }

    /// [host] Stops the instance. After it returns no callback is pending.
    func stop() {
        supervision.withLock { $0.closing = true }
        guard let h = handle, state == .started else { return }
        let module = self.module
        if let link = runner {
            _ = link.call(.stop, timeoutMs: callTimeoutMs, what: "stop()")
            setState(.stopped)
            return
        }
        if worker.sync(timeoutMs: callTimeoutMs, { module.table.pointee.stop(h.raw) }) == nil {
            fail(.hung, "stop() did not return within \(callTimeoutMs) ms")
        } else {
            setState(.stopped)
        }
    }

    /// [host] Destroys the instance and frees its host table. A hung
    /// instance is abandoned instead: its worker may still be inside it.
    func destroy() {
        supervision.withLock { $0.closing = true }
        if isolation != nil {
            destroyRunner()
            setState(.destroyed)
            worker.close()
            table.free()
            return
        }
        if let h = handle, state != .hung, state != .destroyed {
            let module = self.module
            if worker.sync(timeoutMs: callTimeoutMs, { module.table.pointee.destroy(h.raw) }) == nil {
                fail(.hung, "destroy() did not return within \(callTimeoutMs) ms")
                return
            }
        }
        if state != .hung {
            setState(.destroyed)
            worker.close()
            table.free()
        }
    }

    func fail(_ state: InstanceState, _ reason: String) {
        setState(state, error: reason)
        counters.withLock {
            if state == .hung { $0.timeouts += 1 } else { $0.failures += 1 }
        }
    }

    // MARK: calls during operation (never wait)

    /// Runs `body` with the instance handle on the worker, then `done` with
    /// its result on the loop. If the instance cannot take calls, `done(nil)`
    /// runs at once.
    @LoopActor
    func perform<T: Sendable>(_ body: @escaping @Sendable (OpaquePointer) -> T, done: @escaping @LoopActor @Sendable (T?) -> Void) {
        guard let h = handle, !unusable else { return done(nil) }
        counters.withLock { $0.calls += 1 }
        worker.submit {
            let value = body(h.raw)
            EventLoop.shared.execute { done(value) }
        }
    }

    /// Runs `body` on the worker and calls nothing back (timer callbacks).
    func fire(_ body: @escaping @Sendable (OpaquePointer) -> Void) {
        guard let h = handle, !unusable else { return }
        counters.withLock { $0.calls += 1 }
        worker.submit { body(h.raw) }
    }

    /// Records a call that missed its deadline; after `hungAfterMs` of one
    /// call not returning, the instance is declared hung.
    func noteTimeout(hungAfterMs: Int64) {
        counters.withLock { $0.timeouts += 1 }
        let busy = worker.busyForMs
        if busy > hungAfterMs {
            setState(.hung, error: "a call has not returned for \(busy) ms")
        }
    }

    func noteFailure(_ message: String) {
        counters.withLock { $0.failures += 1 }
        stateBox.withLock { $0.lastError = message }
    }
}
