import MantaIO
import MantaJSON
import MantaMarket
import MantaModel

/// mantad's configuration, read from a JSON file (see docs/CONFIG.md).
///
/// Relative paths are resolved against the folder of the config file, so a
/// config works wherever the daemon is started from.
public struct HostConfig: Sendable {
    public struct Store: Sendable {
        public var path: String
        public var commitIntervalMs: Int64
        public var synchronous: String
        public var maxBatchSamples: Int
    }

    public struct API: Sendable {
        public var host: String
        public var port: Int
        public var maxMessageBytes: Int
        public var maxConnections: Int
        public var partialTimeoutMs: Int64
        public var tokens: [(name: String, token: String)]
    }

    public struct Instance: Sendable {
        public var name: String
        public var plugin: String
        public var config: JSON
        public var enabled: Bool
    }

    public struct Site: Sendable {
        /// An exact id, or a prefix ending in "*".
        public var pattern: String
        public var name: String?
        public var region: Region?
        /// Every load on the site has its own meter: the AC bus must balance.
        public var loadsMetered = false
        /// The site's export limit from its connection agreement, W.
        public var exportLimitW: Double?

        public func matches(_ id: String) -> Bool {
            pattern.hasSuffix("*") ? id.hasPrefix(pattern.dropLast()) : id == pattern
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

    public struct VPP: Sendable {
        public var id: String
        public var region: Region
        public var market: String
        /// The strategy that dispatches (the first champion, with an arena).
        public var strategy: String
        public var drivers: [String]
        public var sites: [String]
        public var arena: Arena?
        /// Negative-price protection: while the interval's price is below
        /// zero, member sites export at most this much (W).
        public var negativePriceExportLimitW: Double?
    }

    /// Contenders trading in shadow beside a VPP's fleet (LiveArena).
    public struct Arena: Sendable {
        public var contenders: [String]
        public var windowIntervals: Int
        /// A challenger must beat the champion's score by this fraction.
        public var hysteresis: Double
        public var minTenureIntervals: Int
    }

    public struct Dispatch: Sendable {
        public var historyIntervals: Int
        public var deadlineMs: Int64
        public var priceWaitMs: Int64
        public var maxTelemetryAgeMs: Int64
        public var setpointGraceMs: Int64
        public var hungAfterMs: Int64
    }

    public var path: String
    public var name: String
    public var store: Store
    public var api: API
    public var clock: HostClock.Mode
    public var logLevel: Logger.Level
    public var catalogPath: String?
    public var pluginDirs: [String]
    public var libraryDirs: [String]
    public var pluginCallTimeoutMs: Int64
    public var instances: [Instance]
    public var sites: [Site]

    /// The last `sites` entry matching `id` (later entries override earlier ones).
    public func site(_ id: String) -> Site? { sites.last { $0.matches(id) } }
    public var devices: [DeviceOverride]
    public var vpps: [VPP]
    public var dispatch: Dispatch
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

    public static func load(_ path: String) throws(Invalid) -> HostConfig {
        let absolute = Paths.absolute(path)
        let text: String
        do { text = try FileSystem.readText(absolute) } catch { throw Invalid(path: path, problems: [error.reason]) }
        do {
            return try HostConfig(json: try JSON.parse(text), path: absolute)
        } catch let e as JSONParseError {
            throw Invalid(path: path, problems: ["not JSON: \(e)"])
        } catch let e as Invalid {
            throw e
        } catch {
            throw Invalid(path: path, problems: ["\(error)"])
        }
    }

    public init(json raw: JSON, path: String) throws(Invalid) {
        let schema = HostConfigSchema.schema
        let violations = schema.validate(raw)
        guard violations.isEmpty else { throw Invalid(path: path, problems: violations.map(\.description)) }
        let dir = Paths.directory(of: path)
        let c = schema.resolvingPaths(in: schema.applyingDefaults(to: raw)) { Paths.resolve($0, against: dir) }
        var problems: [String] = []

        self.path = path
        name = c["name"]?.string ?? "manta"
        let st = c["store"]!
        store = Store(path: st["path"]!.string!, commitIntervalMs: st["commit_interval_ms"]!.integer!,
                      synchronous: st["synchronous"]!.string!, maxBatchSamples: Int(st["max_batch_samples"]!.integer!))
        let a = c["api"]!
        let listen = a["listen"]!.string!
        var host = "127.0.0.1", port = 7420
        if let colon = listen.lastIndex(of: ":"), let p = Int(listen[listen.index(after: colon)...]), (0...65535).contains(p) {
            host = String(listen[..<colon])
            port = p
        } else {
            problems.append("api.listen: must be HOST:PORT, got \(listen)")
        }
        let tokens = (a["tokens"]?.array ?? []).map { ($0["name"]!.string!, $0["token"]!.string!) }
        api = API(host: host, port: port, maxMessageBytes: Int(a["max_message_bytes"]!.integer!),
                  maxConnections: Int(a["max_connections"]!.integer!), partialTimeoutMs: a["partial_timeout_ms"]!.integer!,
                  tokens: tokens)
        if tokens.isEmpty && !HostConfig.isLoopback(host) {
            problems.append("api.listen: \(listen) is reachable from other machines; set api.tokens, or listen on 127.0.0.1")
        }

        let clk = c["clock"]!
        clock = .realtime
        if clk["mode"]?.string == "replay" {
            if let text = clk["start"]?.string, let start = MarketTime.parse(text) {
                clock = .replay(startMs: start, speed: clk["speed"]!.number!)
            } else {
                problems.append("clock.start: a replay clock needs a start time such as \"2022-01-18T00:00:00+10:00\"")
            }
        }
        logLevel = Logger.Level(name: c["log"]!["level"]!.string!) ?? .info
        catalogPath = c["catalog"]?.string
        pluginDirs = c["plugin_dirs"]!.array!.compactMap(\.string)
        libraryDirs = c["library_dirs"]!.array!.compactMap(\.string)
        pluginCallTimeoutMs = c["plugin_call_timeout_ms"]!.integer!
        maxQueuedSamples = Int(c["telemetry"]!["max_queued_samples"]!.integer!)
        staleAfterMs = c["telemetry"]!["stale_after_ms"]!.integer!
        offlineAfterMs = c["telemetry"]!["offline_after_ms"]!.integer!
        if offlineAfterMs <= staleAfterMs {
            problems.append("telemetry.offline_after_ms (\(offlineAfterMs)) must be longer than stale_after_ms (\(staleAfterMs))")
        }

        instances = c["plugins"]!.array!.map {
            Instance(name: $0["instance"]!.string!, plugin: $0["plugin"]!.string!, config: $0["config"]!,
                     enabled: $0["enabled"]!.bool!)
        }
        var seen: [String: Int] = [:]
        for (i, inst) in instances.enumerated() {
            if let first = seen[inst.name] {
                problems.append("plugins[\(i)].instance: \(inst.name) is already the name of plugins[\(first)]")
            }
            seen[inst.name] = i
        }
        sites = c["sites"]!.array!.map {
            Site(pattern: $0["id"]!.string!, name: $0["name"]?.string, region: $0["region"]?.string.flatMap(Region.init(code:)),
                 loadsMetered: $0["loads_metered"]?.bool ?? false, exportLimitW: $0["export_limit_w"]?.number)
        }
        devices = c["devices"]!.array!.map { d in
            DeviceOverride(pattern: d["id"]!.string!, enabled: d["enabled"]?.bool, site: d["site"]?.string,
                           limits: DeviceRatings(maxChargeW: d["max_charge_w"]?.number ?? .nan,
                                                 maxDischargeW: d["max_discharge_w"]?.number ?? .nan,
                                                 socMin: d["soc_min"]?.number ?? .nan, socMax: d["soc_max"]?.number ?? .nan))
        }
        vpps = c["vpps"]!.array!.map { v in
            let arena = v["arena"].map { a in
                Arena(contenders: a["contenders"]!.array!.compactMap(\.string), windowIntervals: Int(a["window_intervals"]!.integer!),
                      hysteresis: a["hysteresis"]!.number!, minTenureIntervals: Int(a["min_tenure_intervals"]!.integer!))
            }
            return VPP(id: v["id"]!.string!, region: Region(code: v["region"]!.string!)!, market: v["market"]!.string!,
                       strategy: v["strategy"]!.string!, drivers: v["drivers"]!.array!.compactMap(\.string),
                       sites: v["sites"]!.array!.compactMap(\.string), arena: arena,
                       negativePriceExportLimitW: v["negative_price_export_limit_w"]?.number)
        }
        var vppIDs = Set<String>()
        for (i, v) in vpps.enumerated() {
            if !vppIDs.insert(v.id).inserted { problems.append("vpps[\(i)].id: \(v.id) is used twice") }
            for (field, name) in [("market", v.market), ("strategy", v.strategy)] where seen[name] == nil {
                problems.append("vpps[\(i)].\(field): no plugin instance named \(name)")
            }
            for (j, name) in (v.arena?.contenders ?? []).enumerated() where seen[name] == nil {
                problems.append("vpps[\(i)].arena.contenders[\(j)]: no plugin instance named \(name)")
            }
            for (j, d) in v.drivers.enumerated() where seen[d] == nil {
                problems.append("vpps[\(i)].drivers[\(j)]: no plugin instance named \(d)")
            }
            if v.drivers.isEmpty && v.sites.isEmpty {
                problems.append("vpps[\(i)]: name its members with drivers and/or sites")
            }
        }
        let d = c["dispatch"]!
        dispatch = Dispatch(
            historyIntervals: Int(d["history_intervals"]!.integer!), deadlineMs: d["deadline_ms"]!.integer!,
            priceWaitMs: d["price_wait_ms"]!.integer!, maxTelemetryAgeMs: d["max_telemetry_age_ms"]!.integer!,
            setpointGraceMs: d["setpoint_grace_ms"]!.integer!, hungAfterMs: d["hung_after_ms"]!.integer!)
        guard problems.isEmpty else { throw Invalid(path: path, problems: problems) }
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
