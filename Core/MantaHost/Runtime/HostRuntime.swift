import Glibc
import MantaIO
import MantaModel

/// Why mantad could not start: the configuration, the store, the catalog
/// or the API address. A plugin that fails to load is not one of these; the
/// host runs without it and says so in plugins.list and the log.
public struct BootError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// mantad, as its `main` (and a test, or a benchmark) drives it:
///
///     let host = try HostRuntime(config: config, logger: logger)  // builds; starts nothing
///     try host.start()       // the store, the plugins, the API, the cycle
///     host.run()             // waits until the host has shut down
///     host.teardown()        // destroys instances, releases modules, closes the store
///
/// The services themselves live on the loop (`Host`); this type is the
/// part that other threads may hold.
public final class HostRuntime: Sendable {
    public static let version = "0.1.0"

    let host: Host
    private let writer: StoreWriter
    private let stopped = Completion<Bool>()
    public let config: HostConfig

    public init(config: HostConfig, logger: Logger) throws(BootError) {
        logger.level = config.logLevel
        self.config = config
        let findings = ConfigPreflight.check(config)
        if !findings.fatal.isEmpty {
            throw BootError("\(config.path): invalid configuration:\n"
                + (findings.fatal + findings.plugins).map { "  - \($0)" }.joined(separator: "\n"))
        }
        if !findings.plugins.isEmpty {
            logger.error("config", "\(findings.plugins.count) plugin instance problem(s); the host runs without them:\n"
                + findings.plugins.map { "  - \($0)" }.joined(separator: "\n"))
        }
        let catalog: PointCatalog
        do {
            catalog = try CatalogFile.load(path: config.catalogPath, near: config.path)
        } catch {
            throw BootError("catalog: \(error.description); set \"catalog\" in the config")
        }
        if config.store.backend == .sqlite {
            do {
                try FileSystem.makeDirectories(Paths.directory(of: config.store.path))
            } catch {
                throw BootError("store: \(error)")
            }
        }
        let writer: StoreWriter, run: Int64
        do throws(StoreError) {
            writer = try StoreWriter(store: config.store, logger: logger)
            run = try StoreReader.open(config.store).scalar("SELECT COALESCE(MAX(id), 0) FROM runs").map { $0 + 1 } ?? 1
        } catch {
            throw BootError("store \(config.store.name): \(error)")
        }
        self.writer = writer
        let stopped = self.stopped
        let built = EventLoop.shared.sync { () -> Result<Host, BootError> in
            do throws(StoreError) {
                return .success(try Host(config: config, logger: logger, catalog: catalog, writer: writer, run: run,
                                         stopped: stopped))
            } catch {
                return .failure(BootError("store \(config.store.name): \(error)"))
            }
        }
        host = try built.get()
    }

    /// [host] Starts the host in the order `Host` documents. On failure
    /// everything started is stopped again before the error is thrown.
    public func start() throws(BootError) {
        let host = self.host
        try checkDescriptors()
        let boot = EventLoop.shared.sync { host.prepare() }
        boot.bootAll()
        if let error = EventLoop.shared.sync({ host.serve() }) {
            EventLoop.shared.execute { host.beginShutdown(reason: "boot failed") }
            run()
            teardown()
            throw error
        }
    }

    /// Configured, enabled instances that are not running, with why (what
    /// `mantad --strict` refuses to start with).
    public var instancesNotRunning: [String] {
        host.plugins.records.enumerated().compactMap { i, r in
            guard r.enabled else { return nil }
            if let refusal = r.refusal { return "\(r.name): \(refusal)" }
            guard let inst = host.plugins.instance(at: i), inst.state != .started else { return nil }
            return "\(r.name) is \(inst.state.rawValue)\(inst.lastError.isEmpty ? "" : ": \(inst.lastError)")"
        }
    }

    /// The port HTTP and WebSocket are served on, if they are.
    public var httpPort: Int? {
        let host = self.host
        return EventLoop.shared.sync { host.web?.boundPort }
    }

    /// The port the API listens on (useful with port 0).
    public var rpcPort: Int {
        let host = self.host
        return EventLoop.shared.sync { host.server.boundPort }
    }

    /// [host] Waits until the host has shut down (a signal, host.shutdown,
    /// or `requestShutdown`).
    public func run() {
        while stopped.wait(timeoutMs: 3_600_000) == nil {}
    }

    /// The API may hold max_connections sockets, and the host needs files,
    /// the store and plugin sockets besides: raise the soft RLIMIT_NOFILE
    /// to what that takes, or refuse to start saying why.
    private func checkDescriptors() throws(BootError) {
        let need = rlim_t(config.api.maxConnections + 256)
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < need else { return }
        if limit.rlim_max >= need {
            limit.rlim_cur = need
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 { return }
        }
        throw BootError("api.max_connections: \(config.api.maxConnections) connections need about \(need) file descriptors; "
            + "RLIMIT_NOFILE allows \(limit.rlim_cur) (hard \(limit.rlim_max)): lower api.max_connections or raise the limit (ulimit -n)")
    }

    /// [any] Begins shutdown.
    public func requestShutdown(reason: String = "requested") {
        let host = self.host
        EventLoop.shared.execute { host.beginShutdown(reason: reason) }
    }

    /// [host] After `run` returns: destroys the instances, deinitialises the
    /// modules and waits for the store to commit everything.
    public func teardown() {
        let host = self.host
        EventLoop.shared.sync {
            host.backtests.close()
            host.discovery.close()
        }
        host.plugins.teardown()
        writer.close()
        host.logger.info("host", "stopped; \(writer.committedSamples) samples committed this run")
    }
}
