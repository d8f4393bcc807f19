import MantaJSON
import MantaModel

/// sites.list, sites.topology, sites.export_limit.
@LoopActor
struct SiteMethods {
    let registry: DeviceRegistry
    let devices: DeviceWatch
    let sites: SiteChecks
    let exportLimits: ExportLimitEnforcer
    let clock: HostClock

    var methods: [RPCMethod] {
        let registry = self.registry, devices = self.devices, sites = self.sites, exportLimits = self.exportLimits
        let clock = self.clock
        return [
            .sync("sites.list", "Every site: its devices, region, export limits in force and the last energy-balance verdict.",
                  result: Schemas.objectList) { (_: NoParams, _) in
                          return .array(registry.bySite.sorted { $0.key < $1.key }.map { site, members in
                              let config = sites.config(site)
                              let limits = exportLimits.active(site)
                              let eff = exportLimits.effective(site)
                              return .object(JSONObject([
                                  ("site", .string(site)), ("name", .optional(config?.name)),
                                  ("region", .optional(config?.region?.code)), ("devices", .int(Int64(members.count))),
                                  ("offline", .int(Int64(members.filter { devices.status($0.number)?.status == .offline }.count))),
                                  ("loads_metered", .bool(config?.loadsMetered ?? false)),
                                  ("export_limit_w", eff.map { .number($0.limitW) } ?? .null),
                                  ("export_limit_source", .optional(eff?.source)),
                                  ("export_limits", .object(JSONObject(limits.sorted { $0.key < $1.key }.map { k, l in
                                      (k, .object(JSONObject([("limit_w", .number(l.limitW)), ("note", .string(l.note)),
                                                               ("until_ms", l.untilMs.map { .int($0) } ?? .null)])))
                                  }))),
                                  ("balance", .optional(sites.balance[site]?.status.rawValue)),
                              ]))
                          })
                      },
            .sync("sites.export_limit",
                      "Sets (or with limit_w null clears) a site's export limit from the network operator or an operator; the most restrictive of all sources is kept on the site's inverters.",
                      params: Schemas.params([
                          ("site", ["type": "string"]),
                          ("limit_w", ["type": ["number", "null"], "minimum": 0, "maximum": 1e9,
                                       "description": "W; null clears this source's limit"]),
                          ("source", ["enum": ["network", "operator"], "default": "operator"]),
                          ("duration_s", ["type": "integer", "minimum": 1, "maximum": 31_536_000,
                                          "description": "at most a year; until cleared when absent"]),
                      ], required: ["site", "limit_w"]),
                      result: Schemas.object, mutating: true) { (p: ExportLimitParams, session) throws(RPCError) in
                          let site = p.site
                          guard registry.bySite[site] != nil else { throw .notFound("no site \(site)") }
                          let now = clock.nowMs()
                          let until = p.durationS.map { now + $0 * 1000 }
                          exportLimits.set(site, source: p.source, limitW: p.limitW, untilMs: until,
                                           note: "set by \(session.principal ?? (session.loopback ? "local" : "anonymous"))")
                          let eff = exportLimits.effective(site)
                          return .object(JSONObject([("site", .string(site)), ("export_limit_w", eff.map { .number($0.limitW) } ?? .null),
                                                     ("source", .optional(eff?.source))]))
                      },
            .sync("sites.topology",
                      "Each site as a graph of power flows (PV, DC bus, inverter, battery, AC bus, loads, meter, grid) with the latest measured watts, and whether they add up.",
                      params: Schemas.params([("site", ["type": "string"])]), result: Schemas.objectList) {
                (p: SiteQuery, _) throws(RPCError) in
                          let bySite = registry.bySite
                          var wanted = bySite.keys.sorted()
                          if let s = p.site {
                              guard bySite[s] != nil else { throw .notFound("no site \(s)") }
                              wanted = [s]
                          }
                          let now = clock.nowMs()
                          return .array(wanted.map { topologyJSON(sites.topology(site: $0, devices: bySite[$0] ?? [], now: now)) })
                      },
        ]
    }

    struct ExportLimitParams: RPCParams {
        var site: String
        var limitW: Double?
        var source: String
        var durationS: Int64?
        enum CodingKeys: String, CodingKey { case site, limitW = "limit_w", source, durationS = "duration_s" }
    }

    struct SiteQuery: RPCParams {
        var site: String?
    }
}

func topologyJSON(_ t: SiteTopology) -> JSON {
    let b = t.balance
    return .object(JSONObject([
        ("site", .string(t.site)),
        ("nodes", .array(t.nodes.map { n in
            .object(JSONObject([("id", .string(n.id)), ("type", .string(n.type)), ("device", .optional(n.device))]))
        })),
        ("edges", .array(t.edges.map { e in
            .object(JSONObject([("from", .string(e.from)), ("to", .string(e.to)), ("w", e.watts.map(JSON.number) ?? .null),
                                ("source", .string(e.source))]))
        })),
        ("balance", .object(JSONObject([
            ("status", .string(b.status.rawValue)), ("residual_w", b.residualW.map(JSON.number) ?? .null),
            ("mismatch_w", .number(b.mismatchW)), ("tolerance_w", .number(b.toleranceW)),
            ("likely_device", .optional(b.likelyDevice)), ("explanation", .string(b.explanation)),
        ]))),
    ]))
}
