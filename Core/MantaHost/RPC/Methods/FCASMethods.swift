import MantaJSON
import MantaMarket

/// fcas.verification: frequency events and what each VPP delivered in them.
@LoopActor
struct FCASMethods {
    let verification: FrequencyVerification
    let vpps: VPPSet

    var methods: [RPCMethod] {
        let verification = self.verification, vppSet = self.vpps
        return [
            .sync("fcas.verification",
                  "Frequency events, newest last: per VPP, the MW enabled in each contingency service against the MW delivered and owed 1 s, 6 s, 60 s and 5 min after the event began.",
                  params: Schemas.params([("vpp", ["type": "string", "maxLength": 256]),
                                          ("limit", ["type": "integer", "minimum": 1, "maximum": .int(FrequencyVerification.kept),
                                                     "default": 10])]),
                  result: Schemas.objectList) { (p: Query, _) throws(RPCError) in
                if let id = p.vpp, vppSet.vpp(id) == nil { throw .notFound("no VPP \(id)") }
                return .array(verification.reports.suffix(p.limit).map { r in Self.json(r, vpp: p.vpp) })
            },
        ]
    }

    struct Query: RPCParams {
        var vpp: String?
        var limit: Int
    }

    static func json(_ r: FrequencyVerification.Report, vpp: String?) -> JSON {
        let e = r.event
        return .object(JSONObject([("id", .int(r.id))] + timeFields("start", e.startMs) + [
            ("direction", .string(e.low ? "under" : "over")),
            (e.low ? "lowest_hz" : "highest_hz", .number(e.extremeHz)),
            ("devices", .int(e.baselineW.count)),
            ("vpps", .array(r.vpps.filter { vpp == nil || $0.vpp == vpp }.map { v in
                .object(JSONObject([
                    ("vpp", .string(v.vpp)), ("members", .int(v.members)), ("enablement_known", .bool(v.enabled)),
                    ("services", .array(v.rows.map { row in
                        .object(JSONObject([
                            ("service", .string(row.service.name)), ("after_s", .int(row.afterS)),
                            ("enabled_mw", .number(row.enabledMW)), ("frequency_hz", row.hz.isFinite ? .number(row.hz) : .null),
                            ("expected_mw", .number(row.expectedMW)), ("delivered_mw", .number(row.deliveredMW)),
                        ]))
                    })),
                ]))
            })),
        ]))
    }
}
