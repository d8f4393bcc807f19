import MantaJSON
import MantaMarket

/// envelopes.set, envelopes.list, feeders.list: the network operator's
/// limits beyond a connection's (Smart Feed-in).
@LoopActor
struct NetworkMethods {
    let network: NetworkLimits
    let registry: DeviceRegistry
    let clock: HostClock

    /// Times an envelope may name: from 1970 to the end of 9999.
    static let latestMs: Int64 = 253_402_300_800_000

    var methods: [RPCMethod] {
        let me = self
        let target: [(String, JSON)] = [
            ("site", ["type": "string", "minLength": 1, "maxLength": 256]),
            ("feeder", ["type": "string", "minLength": 1, "maxLength": 64]),
        ]
        return [
            .sync("envelopes.set",
                  "Replaces a site's or a feeder group's operating envelope: its export limits window by window (as a network operator publishes them). In a window the limit joins the site's others (the most restrictive holds, at the meter); between windows none applies. windows [] clears.",
                  params: Schemas.params(target + [
                      ("windows", ["type": "array", "maxItems": .int(Int64(OperatingEnvelopes.maxWindows)),
                                   "items": Schemas.params([
                                       ("start", Schemas.time), ("end", Schemas.time),
                                       ("export_limit_w", ["type": "number", "minimum": 0, "maximum": 1e9]),
                                   ], required: ["start", "end", "export_limit_w"]),
                                   "description": "in time order, not overlapping; windows already ended are dropped"]),
                  ], required: ["windows"]),
                  result: Schemas.object, mutating: true) { (p: SetParams, _) throws(RPCError) in
                try me.set(p)
            },
            .sync("envelopes.list", "Operating envelopes: each target's window in force and those to come.",
                  params: Schemas.params(target + [("limit", ["type": "integer", "minimum": 1, "maximum": 2016, "default": 288,
                                                              "description": "windows shown per target"])]),
                  result: Schemas.objectList) { (p: List, _) throws(RPCError) in
                try me.list(p)
            },
            .sync("feeders.list",
                  "Feeder groups: their sites, the limit in force (config or envelope), the sites' summed export (and net flow) and, for one feeder asked, each site's share.",
                  params: Schemas.params([("feeder", ["type": "string", "minLength": 1, "maxLength": 64])]),
                  result: Schemas.objectList) { (p: FeederQuery, _) throws(RPCError) in
                try me.feeders(p)
            },
        ]
    }

    private func target(site: String?, feeder: String?) throws(RPCError) -> String {
        switch (site, feeder) {
        case let (s?, nil):
            guard registry.bySite[s] != nil else { throw .notFound("no site \(s)") }
            return "site:\(s)"
        case let (nil, f?):
            guard network.feeders.contains(where: { $0.id == f }) else { throw .notFound("no feeder \(f) (feeders come from the config)") }
            return "feeder:\(f)"
        default: throw .invalidParams("name the envelope's site or feeder (one of them)")
        }
    }

    private func set(_ p: SetParams) throws(RPCError) -> JSON {
        let target = try target(site: p.site, feeder: p.feeder)
        var windows: [OperatingEnvelopes.Window] = []
        for (i, w) in p.windows.enumerated() {
            for (field, ms) in [("start", w.start.ms), ("end", w.end.ms)] where !(0..<Self.latestMs).contains(ms) {
                throw .invalidParams("windows[\(i)].\(field): \(ms) is not a time between 1970 and 9999")
            }
            windows.append(.init(startMs: w.start.ms, endMs: w.end.ms, exportLimitW: w.exportLimitW))
        }
        if let problem = OperatingEnvelopes.problem(windows) { throw .invalidParams(problem) }
        let now = clock.nowMs()
        let kept = windows.filter { $0.endMs > now }
        let others = network.envelopes.total - (network.envelopes.schedules[target]?.count ?? 0)
        guard others + kept.count <= OperatingEnvelopes.maxTotal else {
            throw .unavailable("the host holds at most \(OperatingEnvelopes.maxTotal) envelope windows (\(others) held by other targets)")
        }
        network.set(target, kept)
        return .object(JSONObject([("target", .string(target)), ("windows", .int(Int64(kept.count))),
                                   ("dropped_ended", .int(Int64(windows.count - kept.count))),
                                   ("in_force", inForce(target, now: now))]))
    }

    private func list(_ p: List) throws(RPCError) -> JSON {
        let targets = p.site != nil || p.feeder != nil ? [try target(site: p.site, feeder: p.feeder)]
            : network.envelopes.schedules.keys.sorted()
        let now = clock.nowMs()
        return .array(targets.map { t in
            let windows = (network.envelopes.schedules[t] ?? []).filter { $0.endMs > now }.prefix(p.limit)
            return .object(JSONObject([("target", .string(t)), ("in_force", inForce(t, now: now)),
                                       ("windows", .array(windows.map(Self.json)))]))
        })
    }

    private func feeders(_ p: FeederQuery) throws(RPCError) -> JSON {
        if let f = p.feeder, !network.feeders.contains(where: { $0.id == f }) { throw .notFound("no feeder \(f)") }
        return .array(network.feeders.filter { p.feeder == nil || $0.id == p.feeder }.map { f in
            let state = network.feederStates[f.id]
            let sites = network.sites(ofFeeder: f.id)
            var o = JSONObject([
                ("id", .string(f.id)), ("sites", .int(Int64(sites.count))), ("patterns", .array(f.sites.map(JSON.string))),
                ("export_limit_w", f.exportLimitW.map(JSON.number) ?? .null),
                ("limit_w", state?.limitW.map(JSON.number) ?? .null), ("source", .optional(state?.source)),
                // What the limit holds (exports; one site's import does not
                // offset another's), and the group's net flow.
                ("export_w", .number(state?.exportW.values.reduce(0) { $0 + max(0, $1) } ?? 0)),
                ("net_w", .number(state?.exportW.values.reduce(0, +) ?? 0)),
                ("reporting", .int(Int64(state?.exportW.count ?? 0))),
            ])
            if p.feeder != nil {
                o["shares"] = .array(sites.map { s in
                    .object(JSONObject([("site", .string(s)), ("share_w", state?.shares[s].map(JSON.number) ?? .null),
                                        ("export_w", state?.exportW[s].map(JSON.number) ?? .null)]))
                })
            }
            return .object(o)
        })
    }

    private func inForce(_ target: String, now: Int64) -> JSON {
        network.envelopes.inForce(target, atMs: now).map(Self.json) ?? .null
    }

    static func json(_ w: OperatingEnvelopes.Window) -> JSON {
        .object(JSONObject(timeFields("start", w.startMs) + timeFields("end", w.endMs) + [("export_limit_w", .number(w.exportLimitW))]))
    }

    struct SetParams: RPCParams {
        struct Window: Decodable, Sendable {
            var start, end: RPCTime
            var exportLimitW: Double
            enum CodingKeys: String, CodingKey { case start, end, exportLimitW = "export_limit_w" }
        }
        var site, feeder: String?
        var windows: [Window]
    }

    struct List: RPCParams {
        var site, feeder: String?
        var limit: Int
    }

    struct FeederQuery: RPCParams {
        var feeder: String?
    }
}
