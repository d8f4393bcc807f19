import MantaIO
import MantaJSON
import MantaKit
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

/// An opaque manta_instance_t pointer, carried between threads. Only ever
/// dereferenced by the plugin, on the instance's worker.
struct InstanceHandle: @unchecked Sendable {
    let raw: OpaquePointer
}

/// One plugin instance as the host runs it: its module, its worker thread,
/// its host table and its lifecycle.
///
/// Lifecycle calls (`create`, `start`, `stop`, `destroy`) wait for the
/// worker, with a time limit; they are made while the loop is not running
/// (startup, shutdown) or from a non-loop thread. Calls during operation
/// (`perform`) never wait: they run on the worker and hand the result back.
public final class PluginInstance: @unchecked Sendable {
    // @unchecked: `stateBox` and `counters` are behind Mutexes; `handle` is
    // written once by create() before any other use.
    public let name: String
    public let module: LoadedModule
    public let worker: Worker
    let table: HostTable
    private(set) var handle: InstanceHandle?
    private let stateBox = Mutex<(state: InstanceState, lastError: String)>((.created, ""))
    private let counters = Mutex<(calls: Int, failures: Int, timeouts: Int, errors: Int)>((0, 0, 0, 0))
    /// Time limit for one call into the plugin, wall ms.
    public let callTimeoutMs: Int64

    init(name: String, index: Int, module: LoadedModule, services: HostServices, callTimeoutMs: Int64,
         hostVersion: String) {
        self.name = name
        self.module = module
        self.callTimeoutMs = callTimeoutMs
        worker = Worker(name: name)
        table = HostTable(context: InstanceContext(name: name, index: index, services: services),
                          hostName: "mantad", hostVersion: hostVersion)
    }

    public var state: InstanceState { stateBox.withLock { $0.state } }
    public var lastError: String { stateBox.withLock { $0.lastError } }
    public var stats: (calls: Int, failures: Int, timeouts: Int, errors: Int) { counters.withLock { $0 } }

    func setState(_ s: InstanceState, error: String? = nil) {
        stateBox.withLock {
            $0.state = s
            if let error { $0.lastError = error }
        }
    }

    /// Counts a plugin's report_error().
    func noteReportedError(_ message: String) {
        counters.withLock { $0.errors += 1 }
        stateBox.withLock { $0.lastError = message }
    }

    /// True when no call may be made: never created, failed, hung or gone.
    var unusable: Bool { handle == nil || [.failed, .hung, .destroyed].contains(state) }

    // MARK: lifecycle (waits for the worker)

    /// [host] Creates the instance with an already validated config.
    /// On failure the state is `.failed` and the error says why.
    func create(config: JSON) throws(PluginRefusal) {
        let json = config.serialized()
        let module = self.module, host = UnsafePointer(table.raw)
        let hostRef = UncheckedPointer(host)
        let result = worker.sync(timeoutMs: callTimeoutMs) { () -> InstanceHandle? in
            json.withManta { module.table.pointee.create(hostRef.raw, $0).map(InstanceHandle.init) }
        }
        switch result {
        case .none:
            fail(.hung, "create() did not return within \(callTimeoutMs) ms")
        case .some(.none):
            let detail = lastError.isEmpty ? "" : ": \(lastError)"
            fail(.failed, "create() returned NULL\(detail)")
        case .some(.some(let h)):
            handle = h
            setState(.created)
            return
        }
        throw PluginRefusal(plugin: module.id, path: module.path, reason: "instance \(name): \(lastError)")
    }

    /// [host] Starts the instance; on failure it stays stopped with the reason.
    func start() -> Bool {
        guard let h = handle, !unusable else { return false }
        let module = self.module
        switch worker.sync(timeoutMs: callTimeoutMs, { module.table.pointee.start(h.raw) }) {
        case .none:
            fail(.hung, "start() did not return within \(callTimeoutMs) ms")
            return false
        case .some(let rc) where rc != MANTA_OK:
            fail(.failed, "start() returned \(StatusCode.name(rc))\(lastError.isEmpty ? "" : ": \(lastError)")")
            return false
        default:
            setState(.started)
            return true
        }
    }

    /// [host] Stops the instance. After it returns no callback is pending.
    func stop() {
        guard let h = handle, state == .started else { return }
        let module = self.module
        if worker.sync(timeoutMs: callTimeoutMs, { module.table.pointee.stop(h.raw) }) == nil {
            fail(.hung, "stop() did not return within \(callTimeoutMs) ms")
        } else {
            setState(.stopped)
        }
    }

    /// [host] Destroys the instance and frees its host table. A hung
    /// instance is abandoned instead: its worker may still be inside it.
    func destroy() {
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

    private func fail(_ state: InstanceState, _ reason: String) {
        setState(state, error: reason)
        counters.withLock {
            if state == .hung { $0.timeouts += 1 } else { $0.failures += 1 }
        }
    }

    // MARK: calls during operation (never wait)

    /// Runs `body` with the instance handle on the worker, then `done` with
    /// its result (on the worker: hop to the loop inside `done`). If the
    /// instance cannot take calls, `done(nil)` runs at once.
    func perform<T: Sendable>(_ body: @escaping @Sendable (OpaquePointer) -> T, done: @escaping @Sendable (T?) -> Void) {
        guard let h = handle, !unusable else { return done(nil) }
        counters.withLock { $0.calls += 1 }
        worker.submit { done(body(h.raw)) }
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

/// A pointer that crosses to the worker thread for a call that the sender
/// waits for, so the pointee outlives the call.
struct UncheckedPointer<T>: @unchecked Sendable {
    let raw: UnsafePointer<T>
    init(_ raw: UnsafePointer<T>) { self.raw = raw }
}

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
