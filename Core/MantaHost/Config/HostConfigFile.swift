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
        var partialTimeoutMs: Int64
        var tokens: [Token]

        enum CodingKeys: String, CodingKey {
            case listen, tokens
            case maxMessageBytes = "max_message_bytes", maxConnections = "max_connections"
            case partialTimeoutMs = "partial_timeout_ms"
        }
    }

    struct Token: Decodable {
        var name: String
        var token: String

        enum CodingKeys: String, CodingKey { case name, token }
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
    var store: HostConfig.Store
    var api: API
    var clock: Clock
    var log: Log
    var catalog: String?
    var pluginDirs: [String]
    var libraryDirs: [String]
    var pluginCallTimeoutMs: Int64
    var plugins: [HostConfig.Instance]
    var sites: [HostConfig.Site]
    var devices: [HostConfig.DeviceOverride]
    var vpps: [HostConfig.VPP]
    var dispatch: HostConfig.Dispatch
    var telemetry: Telemetry

    enum CodingKeys: String, CodingKey {
        case name, store, api, clock, log, catalog, plugins, sites, devices, vpps, dispatch, telemetry
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
        store = f.store
        let tokens = f.api.tokens.map { (name: $0.name, token: $0.token) }
        api = API(host: "127.0.0.1", port: 7420, maxMessageBytes: f.api.maxMessageBytes, maxConnections: f.api.maxConnections,
                  partialTimeoutMs: f.api.partialTimeoutMs, tokens: tokens)
        clock = .realtime
        switch f.log.level {
        case .debug: logLevel = .debug
        case .info: logLevel = .info
        case .warn: logLevel = .warn
        case .error: logLevel = .error
        }
        catalogPath = f.catalog
        pluginDirs = f.pluginDirs
        libraryDirs = f.libraryDirs
        pluginCallTimeoutMs = f.pluginCallTimeoutMs
        instances = f.plugins
        sites = f.sites
        devices = f.devices
        vpps = f.vpps
        dispatch = f.dispatch
        maxQueuedSamples = f.telemetry.maxQueuedSamples
        staleAfterMs = f.telemetry.staleAfterMs
        offlineAfterMs = f.telemetry.offlineAfterMs

        do {
            try api.listen(on: f.api.listen)
            problems += apiExposureProblems()
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
            if v.drivers.isEmpty && v.sites.isEmpty {
                problems.append("vpps[\(i)]: name its members with drivers and/or sites")
            }
        }
        return problems
    }

    /// The rule that an API other machines can reach needs tokens (without
    /// them every state-changing call from anywhere would be allowed). Run
    /// by the config reader and again after any override of the address;
    /// `field` names where the address came from.
    public func apiExposureProblems(field: String = "api.listen") -> [String] {
        guard api.tokens.isEmpty, !HostPort.isLoopback(api.host) else { return [] }
        return ["\(field): \(api.address) is reachable from other machines; set api.tokens, or listen on 127.0.0.1"]
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
