import MantaABI
import MantaIO
import MantaJSON
import MantaMarket
import MantaModel

/// mantad's configuration, read from a JSON file (see docs/CONFIG.md).
///
/// Relative paths are resolved against the folder of the config file, so a
/// config works wherever the daemon is started from.
public struct HostConfig: Sendable {
    public struct Store: Sendable, Decodable {
        public var path: String
        public var commitIntervalMs: Int64
        public var synchronous: Synchronous
        public var maxBatchSamples: Int
        /// Where the store lives: SQLite (`path`) or PostgreSQL (`url`).
        public var backend: Backend = .sqlite
        public var url: String?

        public enum Backend: String, Sendable, Decodable, CaseIterable { case sqlite, postgres }

        /// The store for messages: the file, or the server without its password.
        public var name: String {
            backend == .postgres ? PostgresURL.redacted(url ?? "") : path
        }

        /// SQLite's `PRAGMA synchronous` for the store.
        public enum Synchronous: String, Sendable, Decodable, CaseIterable {
            /// A commit survives a crash of the machine.
            case full
            /// A commit survives a crash of the process only.
            case normal
        }

        enum CodingKeys: String, CodingKey {
            case path, synchronous, backend, url
            case commitIntervalMs = "commit_interval_ms", maxBatchSamples = "max_batch_samples"
        }
    }

    public struct API: Sendable {
        public var host: String
        public var port: Int
        public var maxMessageBytes: Int
        public var maxConnections: Int
        public var maxConnectionsPerPeer: Int
        public var partialTimeoutMs: Int64
        public var idleTimeoutMs: Int64
        public var maxBatch: Int
        public var maxReplyBytes: Int
        /// Each token's name and SHA-256: the host never keeps a token itself.
        public var tokens: [APIToken]
        /// With tokens: read methods answer callers that have not logged in.
        /// False: every method but rpc.discover and auth.login needs a token.
        public var anonymousReads = true
        /// JSON-RPC over HTTP and WebSocket (and the console), when configured.
        public var http: HTTP?
        /// TLS for the TCP JSON-RPC API, HTTP and WebSocket.
        public var tls: TLS?

        /// HOST:PORT as it is written back (an IPv6 host in brackets).
        public var address: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    public struct Instance: Sendable, Decodable {
        public var name: String
        public var plugin: String
        public var config: JSON
        public var enabled: Bool
        /// Where its code runs; nil: in a runner process unless the plugin
        /// ships with Manta (its manifest under the repository's Plugins/).
        public var isolation: PluginIsolation?
        /// Restarts of its runner after it ends unasked (crash, hang).
        public var maxRestarts: Int

        enum CodingKeys: String, CodingKey {
            case name = "instance", plugin, config, enabled, isolation
            case maxRestarts = "max_restarts"
        }
    }

    public struct Site: Sendable, Decodable {
        /// An exact id, or a prefix ending in "*".
        public var pattern: String
        public var name: String?
        public var region: Region?
        /// Every load on the site has its own meter: the AC bus must balance.
        public var loadsMetered = false
        /// The site's export limit from its connection agreement, W.
        public var exportLimitW: Double?
        /// Its energy retailer, for grouping into VPPs.
        public var retailer: String?
        /// Free labels ("feeder-12", "school"), for grouping into VPPs.
        public var tags: [String] = []

        public func matches(_ id: String) -> Bool {
            pattern.hasSuffix("*") ? id.hasPrefix(pattern.dropLast()) : id == pattern
        }

        enum CodingKeys: String, CodingKey {
            case pattern = "id", name, region
            case loadsMetered = "loads_metered", exportLimitW = "export_limit_w", retailer, tags
        }
    }

    /// What the operator says about devices a driver serves: matched by
    /// id ("homes/home-001.battery") or prefix ("homes/home-0*").
    public struct DeviceOverride: Sendable {
        public var pattern: String
        public var enabled: Bool?
        public var site: String?
        /// Limits that tighten the driver's ratings (NaN: none given).
        public var limits: DeviceRatings

        public func matches(_ id: String) -> Bool {
            pattern.hasSuffix("*") ? id.hasPrefix(pattern.dropLast()) : id == pattern
        }
    }

    public struct Dispatch: Sendable, Decodable {
        public var historyIntervals: Int
        public var deadlineMs: Int64
        public var priceWaitMs: Int64
        public var maxTelemetryAgeMs: Int64
        public var setpointGraceMs: Int64
        public var hungAfterMs: Int64
        /// How long a state of charge may be carried forward without a reading.
        public var maxEstimateAgeMs: Int64
        /// When, after its setpoints, an interval's fleet power is checked.
        public var closedLoopAfterMs: Int64
        /// Frequency response's droop: the deviation from 50 Hz at which an
        /// enabled battery gives all it is enabled for.
        public var fullResponseHz: Double

        enum CodingKeys: String, CodingKey {
            case historyIntervals = "history_intervals", deadlineMs = "deadline_ms", priceWaitMs = "price_wait_ms"
            case maxTelemetryAgeMs = "max_telemetry_age_ms", setpointGraceMs = "setpoint_grace_ms"
            case hungAfterMs = "hung_after_ms", maxEstimateAgeMs = "max_estimate_age_ms"
            case closedLoopAfterMs = "closed_loop_after_ms", fullResponseHz = "full_response_hz"
        }
    }

    public var path: String
    public var name: String
    public var role: Role
    public var mqtt: MQTT
    public var edge: Edge
    public var store: Store
    public var api: API
    public var clock: HostClock.Mode
    public var logLevel: Logger.Level
    public var catalogPath: String?
    public var pluginDirs: [String]
    /// Where API calls may read data files (absolute; default: the config's folder).
    public var dataRoots: [String]
    public var libraryDirs: [String]
    public var pluginCallTimeoutMs: Int64
    public var instances: [Instance]
    public var sites: [Site]

    /// The last `sites` entry matching `id` (later entries override earlier ones).
    public func site(_ id: String) -> Site? { sites.last { $0.matches(id) } }
    /// Feeder groups, each holding its sites' summed export under a limit.
    public var feeders: [Feeder]
    public var devices: [DeviceOverride]
    public var vpps: [VPP]
    public var dispatch: Dispatch
    public var trading: Trading
    public var maxQueuedSamples: Int
    /// Host-clock time without telemetry before a device is stale, then offline.
    public var staleAfterMs: Int64
    public var offlineAfterMs: Int64

    /// Everything wrong with a config file, one line per problem, each
    /// naming the field.
    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public let path: String
        public let problems: [String]
        public var description: String {
            "\(path): invalid configuration:\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
        }
    }

    /// The largest config file read.
    public static let maxFileBytes = 1 << 20

    public static func load(_ path: String) throws(Invalid) -> HostConfig {
        let absolute = Paths.absolute(path)
        let text: String
        // A config is a page of JSON, not a data file: 1 MiB is far beyond
        // any real one, and a mistaken path to a huge file is refused unread.
        do {
            text = String(decoding: try FileSystem.read(absolute, maxBytes: HostConfig.maxFileBytes), as: UTF8.self)
        } catch {
            throw Invalid(path: path, problems: [error.reason])
        }
        let json: JSON
        do { json = try JSON.parse(text) } catch { throw Invalid(path: path, problems: ["not JSON: \(error)"]) }
        return try HostConfig(json: json, path: absolute)
    }

    /// Reads a config value in three steps: the schema (HostConfigSchema)
    /// finds shape errors and fills in defaults; JSONValueDecoder turns the
    /// filled value into types; then come the checks no schema can make
    /// (references between sections, the replay start, the API's exposure,
    /// durations that must be ordered). Every problem is reported at once:
    /// whenever the value decodes, the later checks run even beside schema
    /// violations, so one run names all it can.
    public init(json raw: JSON, path: String) throws(Invalid) {
        let schema: JSONSchema
        switch HostConfigSchema.schema {
        case .success(let s): schema = s
        case .failure(let e): throw Invalid(path: path, problems: ["the host's own config schema is invalid: \(e)"])
        }
        var problems = schema.validate(raw).map(\.description)
        let dir = Paths.directory(of: path)
        let filled = schema.resolvingPaths(in: schema.applyingDefaults(to: raw)) { Paths.resolve($0, against: dir) }
        let file: HostConfigFile
        do {
            file = try JSONValueDecoder().decode(HostConfigFile.self, from: filled)
        } catch {
            // With the schema satisfied this would be the schema and the types
            // disagreeing; the decoder's message still names the field.
            throw Invalid(path: path, problems: problems.isEmpty ? [error.description] : problems)
        }
        self.init(file, path: path, problems: &problems)
        guard problems.isEmpty else { throw Invalid(path: path, problems: problems) }
    }

    /// `host` names this machine only (see HostPort.isLoopback).
    static func isLoopback(_ host: String) -> Bool { HostPort.isLoopback(host) }
}
