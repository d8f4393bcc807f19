import CLibUV
import Glibc
import MantaIO
import MantaJSON
import MantaMarket
import MantaModel
import Synchronization

/// Why mantad could not start: the configuration, the store, the catalog
/// or the API address. A plugin that fails to load is not one of these; the
/// host runs without it and says so in plugins.list and the log.
public struct BootError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// mantad: the loop, the store, the plugins, the dispatch cycle and the API,
/// wired together.
///
/// Usage: `let host = try HostRuntime(config:...)`, then `host.run()` (blocks
/// until shutdown), then `host.teardown()`.
public final class HostRuntime: @unchecked Sendable {
    // @unchecked: everything mutable here is confined to the loop thread,
    // except `queuedSamples` (atomic) and `pluginTable` (Mutex), which the
    // HostServices methods use from plugin threads.
    let state: HostState
    let pipeline: StorePipeline
    let queuedSamples = Atomic<Int>(0)
    private let pluginTable = Mutex<[Int: PluginInstance]>([:])
    var callbackTimers: [Int: LoopTimer] = [:]
    var cycle: DispatchCycle?
    var backtests: BacktestTasks!
    /// Where devices.discover scans run, off the loop.
    let discoveryWorker = Worker(name: "discover")
    private var server: RPCServer?
    private(set) var dispatcher: RPCDispatcher?
    private var signals: [UnsafeMutablePointer<uv_signal_t>] = []
    private var housekeeping: LoopTimer?
    private(set) var shuttingDown = false
    private var modules: [LoadedModule] = []
    /// Site balance checks: the interval last checked, and each site's verdict then.
    var lastBalanceInterval: Int64 = 0
    var siteBalance: [String: EnergyBalance.Verdict] = [:]

    public static let version = "0.1.0"

    public init(config: HostConfig, logger: Logger) throws(BootError) {
        logger.level = config.logLevel
        let catalog = try HostRuntime.loadCatalog(config)
        let loop = EventLoop()
        let clock = HostClock(config.clock)
        do {
            try FileSystem.makeDirectories(Paths.directory(of: config.store.path))
        } catch {
            throw BootError("store: \(error)")
        }
        do throws(StoreError) {
            let writer = try StoreWriter(path: config.store.path, synchronous: config.store.synchronous)
            pipeline = StorePipeline(writer: writer, loop: loop, commitIntervalMs: config.store.commitIntervalMs,
                                     maxSamples: config.store.maxBatchSamples)
            state = try HostState(config: config, loop: loop, clock: clock, logger: logger, catalog: catalog,
                                  pipeline: pipeline, reader: try StoreReader(path: config.store.path),
                                  version: HostRuntime.version)
        } catch {
            throw BootError("store \(config.store.path): \(error)")
        }
        pipeline.collectSamples = { [unowned state] in state.ingest.takePending() }
        pipeline.pendingSamples = { [unowned state] in state.ingest.pendingCount }
        pipeline.add { $0.points = catalog.points }
        if case let .replay(start, speed) = config.clock {
            logger.info("host", "replay clock from \(MarketTime.iso(start)) at \(speed)x")
        }
        do { backtests = try BacktestTasks(state: state) } catch { throw BootError("store: \(error)") }
        bootPlugins()
        try bootVPPs()
        try bootAPI()
        cycle = DispatchCycle(state: state)
        cycle?.start()
        watchSignals()
        let hk = LoopTimer(loop: loop)
        hk.schedule(afterMs: 1000, repeatMs: 1000) { [unowned self] in
            checkHung()
            checkDevices()
            enforceExportLimits()
        }
        housekeeping = hk
    }

    /// The port the API listens on (useful with port 0).
    public var rpcPort: Int { server?.boundPort ?? 0 }
    var rpcConnections: Int { server?.connections.count ?? 0 }

    func plugin(at index: Int) -> PluginInstance? { pluginTable.withLock { $0[index] } }

    func register(_ instance: PluginInstance, at index: Int) { pluginTable.withLock { $0[index] = instance } }

    func remember(_ module: LoadedModule) {
        if !modules.contains(where: { $0 === module }) { modules.append(module) }
    }

    /// Runs the loop on the calling thread until shutdown.
    public func run() {
        state.logger.info("host", "mantad \(HostRuntime.version) serving JSON-RPC on \(state.config.api.host):\(rpcPort)")
        state.clock.begin()
        state.loop.run()
    }

    // MARK: startup

    static func loadCatalog(_ config: HostConfig) throws(BootError) -> PointCatalog {
        do {
            return try CatalogFile.load(path: config.catalogPath, near: config.path)
        } catch {
            throw BootError("catalog: \(error.description); set \"catalog\" in the config")
        }
    }

    private func bootAPI() throws(BootError) {
        let api = state.config.api
        let d = RPCDispatcher(tokens: api.tokens) { [unowned self] row, done in audit(row, done) }
        for m in systemMethods(d) + fleetMethods() + marketMethods() + dispatchMethods() + backtestMethods() + arenaMethods()
            + siteMethods() + deviceMethods() {
            d.register(m)
        }
        let s = RPCServer(loop: state.loop, dispatcher: d,
                          limits: .init(maxMessageBytes: api.maxMessageBytes, maxConnections: api.maxConnections,
                                        partialTimeoutMs: api.partialTimeoutMs),
                          logger: state.logger)
        do {
            try s.listen(host: api.host, port: api.port)
        } catch {
            throw BootError("api.listen: \(error.message)")
        }
        dispatcher = d
        server = s
    }

    /// [loop] Writes an audit row and calls `done` once it is committed.
    func audit(_ row: AuditRow, _ done: @escaping () -> Void) {
        pipeline.add { $0.audits.append(row) }
        pipeline.flush { [logger = state.logger] error in
            if let error { logger.error("audit", "audit entry for \(row.method) not stored: \(error)") }
            done()
        }
    }

    private func watchSignals() {
        for signo in [SIGINT, SIGTERM] {
            let h = UnsafeMutablePointer<uv_signal_t>.allocate(capacity: 1)
            uv_signal_init(state.loop.raw, h)
            h.pointee.data = Unmanaged.passUnretained(self).toOpaque()
            uv_signal_start(h, { h, signo in
                let host = Unmanaged<HostRuntime>.fromOpaque(h!.pointee.data).takeUnretainedValue()
                if host.shuttingDown {
                    host.state.logger.warn("host", "second signal: exiting at once")
                    exit(130)
                }
                host.beginShutdown(reason: signo == SIGINT ? "SIGINT" : "SIGTERM")
            }, signo)
            signals.append(h)
        }
    }

    /// [loop] Marks instances whose current call has run too long as hung.
    private func checkHung() {
        let limit = state.config.dispatch.hungAfterMs
        for case let inst? in state.instances where inst.state == .started {
            let busy = inst.worker.busyForMs
            if busy > limit {
                inst.setState(.hung, error: "a call has not returned for \(busy) ms")
                state.events.record("error", source: inst.name, kind: "plugin.hung",
                                    "a call has not returned for \(busy) ms; no further calls will be made",
                                    atMs: state.now())
            }
        }
    }

    // MARK: shutdown

    /// [loop] Shutdown, in an order that loses nothing acknowledged:
    /// 1. stop accepting connections and deciding intervals;
    /// 2. stop the plugins, on a thread of their own, while the loop still
    ///    takes in what they publish as they stop;
    /// 3. a final flush; the writer commits in order, so by its completion
    ///    every earlier commit (the audit row of host.shutdown, whose reply
    ///    waits on it) has been answered;
    /// 4. close the connections once their replies are written, close the
    ///    remaining handles, and let the loop end.
    func beginShutdown(reason: String) {
        guard !shuttingDown else { return }
        shuttingDown = true
        state.logger.info("host", "stopping (\(reason))")
        server?.stopListening()
        cycle?.stop()
        for t in callbackTimers.values { t.cancel() }
        let instances = state.instances.compactMap { $0 }
        let loop = state.loop, box = UncheckedSendable(self)
        let stopper = Worker(name: "shutdown")
        stopper.submit {
            for inst in instances { inst.stop() }
            loop.execute {
                box.value.pipeline.flush { _ in box.value.finishShutdown() }
            }
        }
        stopper.close()
    }

    private func finishShutdown() {
        server?.close()
        for t in callbackTimers.values { t.close() }
        callbackTimers = [:]
        housekeeping?.close()
        for h in signals {
            uv_close(UnsafeMutableRawPointer(h).assumingMemoryBound(to: uv_handle_t.self)) { h in
                h?.withMemoryRebound(to: uv_signal_t.self, capacity: 1) { $0.deallocate() }
            }
        }
        signals = []
        pipeline.close()
        state.loop.stop()
    }

    /// After `run` returns: destroys the instances, deinitialises the
    /// modules and waits for the store to commit everything.
    public func teardown() {
        backtests.close()
        for case let inst? in state.instances { inst.destroy() }
        for m in modules { m.release() }
        pipeline.writer.close()
        state.logger.info("host", "stopped; \(pipeline.writer.committedSamples) samples committed this run")
    }
}
