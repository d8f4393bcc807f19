import ArgumentParser
import Glibc
import MantaHost

/// mantad: the Manta VPP host daemon.
@main
struct Mantad: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mantad",
        abstract: "The Manta VPP host: loads plugins, runs the dispatch cycle, serves the JSON-RPC API.",
        version: HostRuntime.version)

    @Option(name: .shortAndLong, help: "Host configuration file (JSON). See docs/CONFIG.md.")
    var config: String

    @Option(help: "Override api.listen, e.g. 127.0.0.1:0 for any free port.")
    var listen: String?

    @Option(help: "Serve HTTP and WebSocket on this address (overrides api.http.listen), e.g. 127.0.0.1:0 for any free port.")
    var httpListen: String?

    @Option(help: "Serve the APIs over TLS with this PEM certificate chain (overrides api.tls; give --tls-key too).")
    var tlsCert: String?

    @Option(help: "The PEM private key for --tls-cert.")
    var tlsKey: String?

    @Option(help: "Override store.path (the SQLite database).")
    var db: String?

    @Option(help: "Keep the store on PostgreSQL at this URL, postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE (overrides store.backend and store.url).")
    var storeURL: String?

    @Option(help: "Override log.level: debug, info, warn or error.")
    var logLevel: String?

    @Flag(help: "Exit (status 3) instead of running degraded when a configured plugin instance does not start.")
    var strict = false

    mutating func run() throws {
        let logger = Logger()
        var cfg: HostConfig
        do {
            cfg = try HostConfig.load(config)
        } catch {
            logger.error("config", error.description)
            throw ExitCode(2)
        }
        if let listen {
            do {
                try cfg.api.listen(on: listen)
            } catch {
                logger.error("config", "--listen: \(error)")
                throw ExitCode(2)
            }
            // The config reader applied the token rule to api.listen; the
            // address given here must pass it too.
            do {
                try cfg.validateAPIExposure(field: "--listen")
            } catch {
                logger.error("config", error.description)
                throw ExitCode(2)
            }
        }
        if let httpListen {
            do {
                try cfg.api.serveHTTP(on: httpListen)
            } catch {
                logger.error("config", "--http-listen: \(error)")
                throw ExitCode(2)
            }
            let exposed = cfg.apiExposureProblems(host: cfg.api.http!.host, address: cfg.api.http!.address, field: "--http-listen")
            if !exposed.isEmpty {
                logger.error("config", exposed.joined(separator: "; "))
                throw ExitCode(2)
            }
        }
        switch (tlsCert, tlsKey) {
        case (nil, nil): break
        case let (cert?, key?):
            let problems = cfg.api.serveTLS(cert: cert, key: key)
            if !problems.isEmpty {
                logger.error("config", problems.joined(separator: "; "))
                throw ExitCode(2)
            }
        default:
            logger.error("config", "--tls-cert and --tls-key go together (\(tlsCert == nil ? "--tls-cert" : "--tls-key") is missing)")
            throw ExitCode(2)
        }
        if let db { cfg.store.path = db }
        if let storeURL {
            cfg.store.backend = .postgres
            cfg.store.url = storeURL
            let problems = cfg.storeProblems()
            if !problems.isEmpty {
                logger.error("config", "--store-url: " + problems.joined(separator: "; "))
                throw ExitCode(2)
            }
        }
        if let logLevel {
            guard let level = Logger.Level(name: logLevel) else {
                logger.error("config", "--log-level: must be debug, info, warn or error")
                throw ExitCode(2)
            }
            cfg.logLevel = level
        }
        // A closed API client must not kill the daemon.
        signal(SIGPIPE, SIG_IGN)
        let host: HostRuntime
        do {
            host = try HostRuntime(config: cfg, logger: logger)
            try host.start()
        } catch {
            logger.error("host", "cannot start: \(error.description)")
            throw ExitCode(1)
        }
        if strict {
            let missing = host.instancesNotRunning
            if !missing.isEmpty {
                logger.error("host", "--strict: not starting with \(missing.count) configured instance(s) not running:\n"
                    + missing.map { "  - \($0)" }.joined(separator: "\n"))
                host.requestShutdown(reason: "--strict")
                host.run()
                host.teardown()
                throw ExitCode(3)
            }
        }
        host.run()
        host.teardown()
    }
}
