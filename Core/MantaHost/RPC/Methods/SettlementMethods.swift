import MantaJSON
import MantaMarket

/// settlement.summary, settlement.intervals: the live fleet's settlement,
/// read from the store once everything queued has been committed.
@LoopActor
struct SettlementMethods {
    let reader: StoreReader
    let store: StorePipeline
    let vpps: VPPSet
    let registry: DeviceRegistry
    let run: Int64

    /// The range every settlement read takes (reports.* too).
    static let range: [(String, JSON)] = [
        ("vpp", ["type": "string", "maxLength": 256, "description": "one VPP; all when omitted"]),
        ("from", Schemas.time), ("to", Schemas.time),
        ("run", ["type": "integer", "minimum": 1, "description": "a run of mantad (runs.id); this one when omitted"]),
    ]

    var methods: [RPCMethod] {
        let me = self, range = Self.range
        return [
            .async("settlement.summary",
                   "What the fleet earned over (from, to]: energy at the RRP on metered energy, FCAS availability (enabled MW x price x 5/60) by service, less throughput cost; totals, and by day, VPP, region, strategy and hour. Latest revision of each interval.",
                   params: Schemas.params(range), result: Schemas.object) { (p: Query, _, respond) in
                me.read(p, limit: 10_000_000, respond) { rows in
                    .object(JSONObject([("vpp", p.vpp.map(JSON.string) ?? .null),
                                        ("from", p.from.map { .string(MarketTime.iso($0.ms)) } ?? .null),
                                        ("to", p.to.map { .string(MarketTime.iso($0.ms)) } ?? .null)]
                                       + SettlementSummary(rows).fields))
                }
            },
            .async("settlement.intervals",
                   "Settled intervals over (from, to], oldest first per VPP: metered energy, price, each FCAS service's MW and AUD, cost and total, revision and its reason.",
                   params: Schemas.params(range + [("limit", Schemas.limit)]), result: Schemas.objectList) {
                (p: Query, _, respond) in
                me.read(p, limit: p.limit ?? 100, respond) { rows in .array(rows.map(\.json)) }
            },
            .async("settlement.resources",
                   "What each member device (or site) earned over (from, to]: its VPPs' shares of its metered energy at the RRP, less throughput cost, by device or site in key order. FCAS is paid to the VPP and is not split by resource.",
                   params: Schemas.params(range + [("by", ["enum": ["device", "site"], "default": "device"]), ("limit", Schemas.limit)]),
                   result: Schemas.objectList) { (p: Resources, _, respond) in
                if let id = p.vpp, me.vpps.vpp(id) == nil, p.run == nil { return respond(.failure(.notFound("no VPP \(id)"))) }
                let registry = me.registry
                me.store.answerAfterCommit(respond) { () throws(RPCError) -> JSON in
                    let rows = try stored { () throws(StoreError) in
                        try me.reader.settlementByResource(run: p.run ?? me.run, vpp: p.vpp, bySite: p.by == "site",
                                                           fromMs: p.from?.ms ?? .min, toMs: p.to?.ms ?? .max, limit: p.limit)
                    }
                    let all = registry.devices
                    return .array(rows.map { r in
                        var o = JSONObject()
                        if let d = r.device {
                            o["device"] = .string(registry.slot(number: d).map { all[$0].id } ?? "#\(d)")
                        }
                        o["site"] = .string(r.site)
                        o["intervals"] = .int(Int64(r.intervals))
                        o["energy_mwh"] = .number(r.energyWh / 1e6)
                        o["discharged_mwh"] = .number(r.dischargedWh / 1e6)
                        o["energy_aud"] = .number(r.energyAUD)
                        o["cost_aud"] = .number(r.costAUD)
                        o["network_aud"] = .number(r.networkAUD)
                        o["demand_aud"] = .number(r.demandAUD)
                        o["total_aud"] = .number(r.energyAUD - r.costAUD - r.networkAUD - r.demandAUD)
                        return .object(o)
                    })
                }
            },
        ]
    }

    struct Resources: RPCParams {
        var vpp: String?
        var from, to: RPCTime?
        var run: Int64?
        var by: String
        var limit: Int
    }

    struct Query: RPCParams {
        var vpp: String?
        var from, to: RPCTime?
        var run: Int64?
        var limit: Int?
    }

    /// Once the store has committed, reads the rows of `p` and answers `shape(rows)`.
    private func read(_ p: Query, limit: Int, _ respond: @escaping RPCRespond, _ shape: @escaping @LoopActor ([SettlementRow]) -> JSON) {
        if let id = p.vpp, vpps.vpp(id) == nil, p.run == nil {
            return respond(.failure(.notFound("no VPP \(id)")))
        }
        if let f = p.from, let t = p.to, f.ms > t.ms {
            return respond(.failure(.invalidParams("from: \(MarketTime.iso(f.ms)) is after to \(MarketTime.iso(t.ms))")))
        }
        let reader = self.reader, run = p.run ?? self.run
        store.answerAfterCommit(respond) { () throws(RPCError) -> JSON in
            shape(try stored { () throws(StoreError) in
                try reader.settlements(run: run, vpp: p.vpp, fromMs: p.from?.ms ?? .min, toMs: p.to?.ms ?? .max, limit: limit)
            })
        }
    }
}
