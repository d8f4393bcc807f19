import MantaJSON
import MantaMarket

/// reports.financial, reports.events: settlement-grade reports from the
/// store, the ones `manta report` writes as CSV.
@LoopActor
struct ReportMethods {
    let reader: StoreReader
    let store: StorePipeline
    let run: Int64

    /// Event kinds by report: what a VPP did, and what happened to devices.
    static let vppKinds = ["dispatch.", "risk.", "fcas.", "bid.", "settlement.", "vpp.", "arena.", "cap."]
    static let derKinds = ["device.", "site.", "plugin."]

    var methods: [RPCMethod] {
        let me = self
        let range = SettlementMethods.range
        return [
            .async("reports.financial",
                   "The financial summary by day or month and VPP: energy, each FCAS service, cost and total, from the settled intervals (latest revisions); rows sum exactly to settlement.summary.",
                   params: Schemas.params(range + [("period", ["enum": ["day", "month"], "default": "day"])]),
                   result: Schemas.objectList) { (p: Financial, _, respond) in
                me.store.answerAfterCommit(respond) { () throws(RPCError) -> JSON in
                    let rows = try stored { () throws(StoreError) in
                        try me.reader.settlements(run: p.run ?? me.run, vpp: p.vpp, fromMs: p.from?.ms ?? .min, toMs: p.to?.ms ?? .max,
                                                  limit: 10_000_000)
                    }
                    let s = SettlementSummary(rows)
                    let groups = p.period == "month" ? s.byMonthAndVPP : s.byDayAndVPP
                    return .array(groups.keys.sorted().map { k in
                        .object(JSONObject([(p.period, .string(k.period)), ("vpp", .string(k.vpp))] + SettlementSummary.json(groups[k]!)))
                    })
                }
            },
            .async("reports.events",
                   "Stored events, oldest first: category vpp (dispatch fallbacks, breaker trips and interceptions, FCAS, bids, settlement revisions, VPP changes, arena switches) or der (devices online, stale and offline, sites, plugins).",
                   params: Schemas.params(range + [("category", ["enum": ["vpp", "der"]]), ("limit", Schemas.limit)],
                                          required: ["category"]),
                   result: Schemas.objectList) { (p: Events, _, respond) in
                me.store.answerAfterCommit(respond) { () throws(RPCError) -> JSON in
                    let kinds = p.category == "vpp" ? Self.vppKinds : Self.derKinds
                    let events = try stored { () throws(StoreError) in
                        try me.reader.events(run: p.run ?? me.run, prefixes: kinds, source: p.vpp, fromMs: p.from?.ms ?? .min,
                                             toMs: p.to?.ms ?? .max, limit: p.limit)
                    }
                    return .array(events.map { e in
                        .object(JSONObject(timeFields("t", e.tMs) + [("severity", .string(e.severity)), ("source", .string(e.source)),
                                                                     ("kind", .string(e.kind)), ("message", .string(e.message))]))
                    })
                }
            },
        ]
    }

    struct Financial: RPCParams {
        var vpp: String?
        var from, to: RPCTime?
        var run: Int64?
        var period: String
    }

    struct Events: RPCParams {
        var vpp: String?
        var from, to: RPCTime?
        var run: Int64?
        var category: String
        var limit: Int
    }
}
