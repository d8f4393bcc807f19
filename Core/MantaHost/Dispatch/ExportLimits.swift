/// The export limits asked of each site, by source, and what the host last
/// sent for it. Several sources may limit a site at once (its connection
/// agreement in the config, the network operator, the VPP's negative-price
/// protection); the most restrictive wins. A value: the enforcer owns the
/// host's.
struct ExportLimits: Sendable {
    struct Limit: Sendable, Equatable {
        var limitW: Double
        /// Host clock; nil: until cleared.
        var untilMs: Int64?
        var note: String
    }

    /// site -> source -> limit. Sources: config, network, operator, strategy,
    /// envelope (an operating envelope's window), feeder:<id> (a share of a
    /// feeder group's limit).
    private(set) var limits: [String: [String: Limit]] = [:]
    /// What was last sent per site, and until when it holds.
    var sent: [String: (limitW: Double, source: String, untilMs: Int64)] = [:]
    /// How many devices the config's limits were last set for.
    var configuredForDevices = -1

    /// Sets (or with nil, clears) `source`'s limit on `site`.
    mutating func set(_ site: String, source: String, limitW: Double?, untilMs: Int64? = nil, note: String = "") {
        if let limitW {
            limits[site, default: [:]][source] = Limit(limitW: limitW, untilMs: untilMs, note: note)
        } else {
            limits[site]?[source] = nil
            if limits[site]?.isEmpty == true { limits[site] = nil }
        }
    }

    /// The limits in force on `site` at `nowMs` (expired ones are dropped).
    mutating func active(_ site: String, nowMs: Int64) -> [String: Limit] {
        guard var mine = limits[site] else { return [:] }
        for (source, l) in mine where l.untilMs.map({ $0 <= nowMs }) ?? false { mine[source] = nil }
        limits[site] = mine.isEmpty ? nil : mine
        return mine
    }

    /// The most restrictive limit on `site` and where it comes from.
    mutating func effective(_ site: String, nowMs: Int64) -> (limitW: Double, source: String)? {
        active(site, nowMs: nowMs).min { ($0.value.limitW, $0.key) < ($1.value.limitW, $1.key) }.map { ($0.value.limitW, $0.key) }
    }

    var sites: [String] { Array(limits.keys) }
}
