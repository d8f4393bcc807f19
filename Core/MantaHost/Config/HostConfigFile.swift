import Glibc
import MantaABI
import MantaIO
import MantaJSON
import MantaMarket
import MantaModel

/// The config file as HostConfigSchema shapes it once defaults are filled
/// in, key for key. Sections whose JSON is not HostConfig's shape (api.listen,
/// clock, log, telemetry) are read here and converted by HostConfig.
struct HostConfigFile: Decodable {
    struct API: Decodable {
        var listen: String
        var maxMessageBytes: Int
        var maxConnections: Int
        var maxConnectionsPerPeer: Int
        var partialTimeoutMs: Int64
        var idleTimeoutMs: Int64
        var maxBatch: Int
        var maxReplyBytes: Int
        var tokens: [Token]
        var anonymousReads: Bool
        var http: HTTPFile?
        var tls: HostConfig.TLS?

        enum CodingKeys: String, CodingKey {
            case listen, tokens, http, tls
            case maxMessageBytes = "max_message_bytes", maxConnections = "max_connections"
            case maxConnectionsPerPeer = "max_connections_per_peer"
            case partialTimeoutMs = "partial_timeout_ms", idleTimeoutMs = "idle_timeout_ms"
            case maxBatch = "max_batch", maxReplyBytes = "max_reply_bytes", anonymousReads = "anonymous_reads"
        }
    }

    struct Token: Decodable {
        var name: String
        var token: String?
        var sha256: String?
        var tokenFile: String?
        var tokenEnv: String?
        var role: RPCRole

        enum CodingKeys: String, CodingKey { case name, token, sha256, role, tokenFile = "token_file", tokenEnv = "token_env" }
    }

    struct Clock: Decodable {
        enum Mode: String, Decodable, CaseIterable { case realtime, replay }
        var mode: Mode
        var start: String?
        var speed: Double

        enum CodingKeys: String, CodingKey { case mode, start, speed }
    }

    struct Log: Decodable {
        enum Level: String, Decodable, CaseIterable { case debug, info, warn, error }
        var level: Level

        enum CodingKeys: String, CodingKey { case level }
    }

    struct Telemetry: Decodable {
        var maxQueuedSamples: Int
        var staleAfterMs: Int64
        var offlineAfterMs: Int64

        enum CodingKeys: String, CodingKey {
            case maxQueuedSamples = "max_queued_samples", staleAfterMs = "stale_after_ms"
            case offlineAfterMs = "offline_after_ms"
        }
    }

    var name: String
    var role: HostConfig.Role
    var mqtt: HostConfig.MQTT
    var edge: HostConfig.Edge
    var store: HostConfig.Store
    var api: API
    var clock: Clock
    var log: Log
    var catalog: String?
    var pluginDirs: [String]
    var dataRoots: [String]
    var libraryDirs: [String]
    var pluginCallTimeoutMs: Int64
    var plugins: [HostConfig.Instance]
    var sites: [HostConfig.Site]
    var feeders: [HostConfig.Feeder]
    var devices: [HostConfig.DeviceOverride]
    var vpps: [HostConfig.VPP]
    var dispatch: HostConfig.Dispatch
    var trading: HostConfig.Trading
    var telemetry: Telemetry

    enum CodingKeys: String, CodingKey {
        case name, role, mqtt, edge, store, api, clock, log, catalog, plugins, sites, feeders, devices, vpps, dispatch, trading, telemetry
        case dataRoots = "data_roots"
        case pluginDirs = "plugin_dirs", libraryDirs = "library_dirs", pluginCallTimeoutMs = "plugin_call_timeout_ms"
    }
}

extension HostConfig.DeviceOverride: Decodable {
    enum CodingKeys: String, CodingKey {
        case pattern = "id", enabled, site
        case maxChargeW = "max_charge_w", maxDischargeW = "max_discharge_w", socMin = "soc_min", socMax = "soc_max"
    }

    /// A limit the entry leaves out is NaN: "none given", so the driver's rating stands.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func limit(_ key: CodingKeys) throws -> Double { try c.decodeIfPresent(Double.self, forKey: key) ?? .nan }
        self.init(pattern: try c.decode(String.self, forKey: .pattern),
                  enabled: try c.decodeIfPresent(Bool.self, forKey: .enabled),
                  site: try c.decodeIfPresent(String.self, forKey: .site),
                  limits: DeviceRatings(maxChargeW: try limit(.maxChargeW), maxDischargeW: try limit(.maxDischargeW),
                                        socMin: try limit(.socMin), socMax: try limit(.socMax)))
    }
}

extension HostConfig {
    /// HostConfig from the decoded file, adding to `problems` what the
    /// schema cannot see, each naming its field.
    init(_ f: HostConfigFile, path: String, problems: inout [String]) {
        self.path = path
        name = f.name
        role = f.role
        mqtt = f.mqtt
        edge = f.edge
        store = f.store
        let tokens = f.api.tokens.enumerated().compactMap { i, t in
            HostConfig.digest(t, at: "api.tokens[\(i)]", problems: &problems).map { APIToken(name: $0.name, sha256: $0.sha256, role: t.role) }
        }
        api = API(host: "127.0.0.1", port: 7420, maxMessageBytes: f.api.maxMessageBytes, maxConnections: f.api.maxConnections,
                  maxConnectionsPerPeer: f.api.maxConnectionsPerPeer, partialTimeoutMs: f.api.partialTimeoutMs,
                  idleTimeoutMs: f.api.idleTimeoutMs, maxBatch: f.api.maxBatch, maxReplyBytes: f.api.maxReplyBytes,
                  tokens: tokens)
        api.anonymousReads = f.api.anonymousReads
        if !f.api.anonymousReads, f.api.tokens.isEmpty {
            problems.append("api.anonymous_reads: false needs api.tokens (with none, nobody could read)")
        }
        api.http = HostConfig.http(f.api.http, problems: &problems)
        api.tls = HostConfig.tls(f.api.tls, problems: &problems)
        clock = .realtime
        switch f.log.level {
        case .debug: logLevel = .debug
        case .info: logLevel = .info
        case .warn: logLevel = .warn
        case .error: logLevel = .error
        }
        catalogPath = f.catalog
        pluginDirs = f.pluginDirs
        dataRoots = f.dataRoots
        libraryDirs = f.libraryDirs
        pluginCallTimeoutMs = f.pluginCallTimeoutMs
        instances = f.plugins
        sites = f.sites
        feeders = f.feeders
        devices = f.devices
        vpps = f.vpps
        dispatch = f.dispatch
        trading = f.trading
        maxQueuedSamples = f.telemetry.maxQueuedSamples
        staleAfterMs = f.telemetry.staleAfterMs
        offlineAfterMs = f.telemetry.offlineAfterMs

        do {
            try api.listen(on: f.api.listen)
            problems += apiExposureProblems()
            if let http = api.http { problems += apiExposureProblems(host: http.host, address: http.address, field: "api.http.listen") }
        } catch {
            problems.append("api.listen: \(error)")
        }
        if f.clock.mode == .replay {
            if let text = f.clock.start, let start = MarketTime.parse(text) {
                clock = .replay(startMs: start, speed: f.clock.speed)
            } else {
                problems.append("clock.start: a replay clock needs a start time such as \"2022-01-18T00:00:00+10:00\"")
            }
        }
        if offlineAfterMs <= staleAfterMs {
            problems.append("telemetry.offline_after_ms (\(offlineAfterMs)) must be longer than stale_after_ms (\(staleAfterMs))")
        }
        problems += referenceProblems()
        problems += feederProblems()
        problems += roleProblems()
    }

    /// Duplicate names, and VPPs naming instances that do not exist or no members.
    func referenceProblems() -> [String] {
        var problems: [String] = []
        var seen: [String: Int] = [:]
        for (i, inst) in instances.enumerated() {
            if let first = seen[inst.name] {
                problems.append("plugins[\(i)].instance: \(inst.name) is already the name of plugins[\(first)]")
            } else {
                seen[inst.name] = i
            }
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
            if v.drivers.isEmpty && v.sites.isEmpty && v.members.isEmpty && v.status == .active {
                problems.append("vpps[\(i)]: name its members with drivers and/or sites")
            }
            for (j, m) in v.members.enumerated() {
                if let p = VPPSchemas.problem(m) { problems.append("vpps[\(i)].members[\(j)]: \(p)") }
            }
            if let p = VPPSchemas.listProblem(v.members) { problems.append("vpps[\(i)].\(p)") }
        }
        return problems
    }

    /// The rule that an API other machines can reach needs tokens (without
    /// them every state-changing call from anywhere would be allowed). Run
    /// by the config reader and again after any override of the address;
    /// `field` names where the address came from.
    public func apiExposureProblems(field: String = "api.listen") -> [String] {
        apiExposureProblems(host: api.host, address: api.address, field: field)
    }

    public func apiExposureProblems(host: String, address: String, field: String) -> [String] {
        guard api.tokens.isEmpty, !HostPort.isLoopback(host) else { return [] }
        return ["\(field): \(address) is reachable from other machines; set api.tokens, or listen on 127.0.0.1"]
    }

    /// `apiExposureProblems` as an error, for a caller that changed the address.
    public func validateAPIExposure(field: String = "api.listen") throws(Invalid) {
        let problems = apiExposureProblems(field: field)
        guard problems.isEmpty else { throw Invalid(path: path, problems: problems) }
    }
}

extension HostConfig.API {
    /// Points the API at `address`, HOST:PORT as HostPort reads it (as
    /// `mantad --listen` does); the error says what is wrong with it.
    public mutating func listen(on address: String) throws(HostPort.Invalid) {
        let parsed = try HostPort.parse(address)
        host = parsed.host
        port = parsed.port
    }
}

extension HostConfig {
    /// The first line of a secret's file (a token, a password): a regular
    /// file of at most 4 KiB, so a config cannot point the host at a device
    /// or a huge file. Nil when it is not one.
    static func secretLine(_ path: String) -> String? {
        guard FileSystem.isRegularFile(path), let bytes = try? FileSystem.read(path, maxBytes: 4096) else { return nil }
        return String(decoding: bytes, as: UTF8.self).split(whereSeparator: { $0 == "\n" || $0 == "\r" }).first.map(String.init) ?? ""
    }

    /// A configured token's SHA-256, however it was given; nil (with the
    /// problem added, naming the field) when it cannot be had.
    static func digest(_ t: HostConfigFile.Token, at field: String, problems: inout [String]) -> (name: String, sha256: [UInt8])? {
        let given = [t.token != nil, t.sha256 != nil, t.tokenFile != nil, t.tokenEnv != nil].filter { $0 }.count
        guard given == 1 else {
            problems.append("\(field): give exactly one of token, sha256, token_file and token_env (\(given) given)")
            return nil
        }
        func plain(_ text: String, _ what: String) -> (name: String, sha256: [UInt8])? {
            guard text.utf8.count >= 16, text.utf8.count <= 1024 else {
                problems.append("\(what): the token must be 16 to 1024 bytes, got \(text.utf8.count)")
                return nil
            }
            return (t.name, TokenHash.digest(text))
        }
        if let token = t.token { return plain(token, "\(field).token") }
        if let hex = t.sha256 {
            guard let d = TokenHash.parse(hex: hex) else {
                problems.append("\(field).sha256: must be 64 hex digits (manta token hash prints them)")
                return nil
            }
            return (t.name, d)
        }
        if let path = t.tokenFile {
            guard let line = secretLine(path) else {
                problems.append("\(field).token_file: \(path) is not a readable regular file of at most 4 KiB")
                return nil
            }
            return plain(line.trimmingCharacters(), "\(field).token_file")
        }
        if let name = t.tokenEnv {
            guard let raw = getenv(name) else {
                problems.append("\(field).token_env: \(name) is not set in mantad's environment")
                return nil
            }
            return plain(String(cString: raw), "\(field).token_env")
        }
        return nil
    }
}

private extension String {
    func trimmingCharacters() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
