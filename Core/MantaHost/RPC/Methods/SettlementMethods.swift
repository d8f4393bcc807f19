import MantaJSON
import MantaMarket

/// settlement.summary, settlement.intervals: the live fleet's settlement,
/// read from the store once everything queued has been committed.
@LoopActor
struct SettlementMethods {
    let reader: StoreReader
    let store: StorePipeline
    let vpps: VPPSet
    let run: Int64

    var methods: [RPCMethod] {
        let me = self
        let range: [(String, JSON)] = [
            ("vpp", ["type": "string", "maxLength": 256, "description": "one VPP; all when omitted"]),
            ("from", Schemas.time), ("to", Schemas.time),
            ("run", ["type": "integer", "minimum": 1, "description": "a run of mantad (runs.id); this one when omitted"]),
        ]
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
        ]
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
        if let f = p.from, let t = p.to, f.ms >= t.ms {
            return respond(.failure(.invalidParams("from: \(MarketTime.iso(f.ms)) is not before to \(MarketTime.iso(t.ms))")))
        }
        let reader = self.reader, run = p.run ?? self.run
        store.answerAfterCommit(respond) { () throws(RPCError) -> JSON in
            shape(try stored { () throws(StoreError) in
                try reader.settlements(run: run, vpp: p.vpp, fromMs: p.from?.ms ?? .min, toMs: p.to?.ms ?? .max, limit: limit)
            })
        }
    }
}
