import MantaJSON
import MantaMarket

/// bids.submit, bids.cancel, bids.get, trades.list: the trading desk.
@LoopActor
struct TradingMethods {
    let bids: BidBook
    let risk: RiskGuard
    let vpps: VPPSet
    let members: MemberStates
    let responses: ResponseWatch
    let reader: StoreReader
    let store: StorePipeline
    let clock: HostClock
    let gateClosureMs: Int64

    var methods: [RPCMethod] {
        let me = self
        let ten: JSON = ["type": "array", "minItems": 10, "maxItems": 10, "items": ["type": "number"]]
        let markets: JSON = .array([.string("energy")] + FCASService.allCases.map { .string($0.name) })
        let id: JSON = ["type": "integer", "minimum": 1]
        return [
            .sync("bids.submit",
                  "Lodges a VPP's bid for one trading day and market in AEMO's form: ten ascending price bands and, per interval, the MW in each band. It clears as each interval starts, dispatches the VPP and settles; follow it with trades.list or bids.get.",
                  params: Schemas.params([
                      ("vpp", ["type": "string", "maxLength": 256]),
                      ("market", ["enum": markets, "description": "energy, or an FCAS service (AEMO's name)"]),
                      ("side", ["enum": ["generation", "load", "raise", "lower"],
                                "description": "energy: generation (discharge, the default) or load (charge); FCAS: implied by the service"]),
                      ("day", ["type": "string", "maxLength": 10, "description": "trading day YYYY-MM-DD: intervals ending after 04:00 that day up to 04:00 the next (market time)"]),
                      ("bands", ["type": "array", "minItems": 10, "maxItems": 10, "items": ["type": "number"],
                                 "description": "ten prices, ascending: AUD/MWh (energy, floor to cap) or AUD/MW/h (FCAS, 0 to cap)"]),
                      ("intervals", ["type": "array", "minItems": 1, "maxItems": 288, "items": Schemas.params([
                          ("interval", Schemas.time), ("mw", ten),
                      ], required: ["interval", "mw"])]),
                      ("rebid_of", ["type": "integer", "minimum": 1,
                                    "description": "the open bid this one replaces (its intervals not yet started are cancelled)"]),
                      ("reason", ["type": "string", "maxLength": 500, "description": "required for a rebid, as AEMO requires"]),
                  ], required: ["vpp", "market", "day", "bands", "intervals"]),
                  result: Schemas.object, mutating: true) { (p: Submit, session) throws(RPCError) in
                try me.submit(p, principal: VPPMethods.principal(session))
            },
            .sync("bids.cancel", "Cancels the intervals of an open bid that have not started.",
                  params: Schemas.params([("id", id), ("reason", ["type": "string", "maxLength": 500])], required: ["id"]),
                  result: Schemas.object, mutating: true) { (p: Cancel, session) throws(RPCError) in
                guard let bid = me.bids.open[p.id] else { throw .notFound("no open bid \(p.id)") }
                let n = me.bids.cancel(bid, because: "cancelled by \(VPPMethods.principal(session))\(p.reason.map { ": \($0)" } ?? "")",
                                       nowMs: me.clock.nowMs())
                return ["id": .int(p.id), "cancelled": .int(Int64(n)), "status": .string(bid.status.rawValue)]
            },
            .async("bids.get", "One bid and each of its intervals: MW per band, status and when it reached each, price, cleared, dispatched and revenue.",
                   params: Schemas.params([("id", id)], required: ["id"]), result: Schemas.object) { (p: Cancel, _, respond) in
                me.store.answerAfterCommit(respond) { () throws(RPCError) -> JSON in
                    let found = try stored { () throws(StoreError) in
                        try me.reader.trades(id: p.id, vpp: nil, day: nil, market: nil, status: nil, limit: 1).first
                    }
                    guard let t = found else { throw .notFound("no bid \(p.id)") }
                    let intervals = try stored { () throws(StoreError) in try me.reader.bidIntervals(p.id) }
                    return .object(JSONObject(Self.fields(t) + [("intervals", .array(intervals.map(Self.json)))]))
                }
            },
            .async("trades.list", "Bids and what they came to, newest first: by VPP, trading day, market and status.",
                   params: Schemas.params([
                       ("vpp", ["type": "string", "maxLength": 256]), ("day", ["type": "string", "maxLength": 10]),
                       ("market", ["enum": markets]),
                       ("status", ["enum": .array(BidBook.Status.allCases.map { .string($0.rawValue) })]),
                       ("limit", Schemas.limit),
                   ]), result: Schemas.objectList) { (p: List, _, respond) in
                me.store.answerAfterCommit(respond) { () throws(RPCError) -> JSON in
                    let trades = try stored { () throws(StoreError) in
                        try me.reader.trades(vpp: p.vpp, day: p.day, market: p.market, status: p.status, limit: p.limit)
                    }
                    return .array(trades.map { .object(JSONObject(Self.fields($0))) })
                }
            },
        ]
    }

    struct Submit: RPCParams {
        var vpp, market, day: String
        var side: String?
        var bands: [Double]
        var intervals: [BidValidation.IntervalMW]
        var rebidOf: Int64?
        var reason: String?
        enum CodingKeys: String, CodingKey { case vpp, market, day, side, bands, intervals, rebidOf = "rebid_of", reason }
    }

    struct Cancel: RPCParams {
        var id: Int64
        var reason: String?
    }

    struct List: RPCParams {
        var vpp, day, market, status: String?
        var limit: Int
    }

    private func submit(_ p: Submit, principal: String) throws(RPCError) -> JSON {
        guard let vpp = vpps.vpp(p.vpp) else { throw .invalidParams("vpp: no VPP \(p.vpp)") }
        guard vpp.config.status != .draft else { throw .invalidParams("vpp: \(p.vpp) is a draft: activate it before it bids") }
        let reason = p.reason ?? ""
        if p.rebidOf != nil, reason.isEmpty { throw .invalidParams("reason: a rebid needs its reason") }
        let now = clock.nowMs()
        // The VPP's aggregated ratings (vpps.capacity's), and those of the members FCAS can enable (FCASDispatch's rule).
        let views = members.views(vpp, nowMs: now)
        let all = VPPCapacity.of(views, responses: responses, exportRoomW: { _ in nil })
        let responsive = VPPCapacity.of(views.filter { $0.respondsToFrequency && vpps.shared[$0.device.number] == nil },
                                        responses: responses, exportRoomW: { _ in nil })
        let c = BidValidation.Context(nowMs: now, gateClosureMs: gateClosureMs, dischargeMW: all.maxDischargeW / 1e6,
                                      chargeMW: all.maxChargeW / 1e6, responsiveDischargeMW: responsive.maxDischargeW / 1e6,
                                      responsiveChargeMW: responsive.maxChargeW / 1e6)
        let valid: BidValidation.Valid
        do throws(RPCError) {
            valid = try BidValidation.check(market: p.market, side: p.side, day: p.day, bands: p.bands, intervals: p.intervals, c)
        } catch {
            risk.bidRefused(vpp: vpp.config.id, error.message)
            throw error
        }
        if let refusal = risk.reviewBid(vpp: vpp.config.id, valid) { throw .invalidParams(refusal) }
        let bid = try bids.submit(valid, vpp: vpp, source: "operator", principal: principal, reason: reason, rebidOf: p.rebidOf)
        return .object(JSONObject([("id", .int(bid.row.id)), ("status", .string(bid.status.rawValue)),
                                   ("intervals", .int(Int64(bid.intervals.count)))]))
    }

    static func fields(_ t: TradeRecord) -> [(String, JSON)] {
        let b = t.bid
        return [("id", .int(b.id)), ("vpp", .string(b.vpp)), ("market", .string(b.market)), ("side", .string(b.side)),
                ("day", .string(b.day)), ("bands", .array(b.bands.map(JSON.number))), ("source", .string(b.source)),
                ("principal", .string(b.principal)), ("reason", .string(b.reason)), ("rebid_of", b.rebidOf.map(JSON.int) ?? .null)]
            + timeFields("submitted", b.submittedMs)
            + [("status", .string(b.status)), ("intervals", .int(Int64(t.intervals))),
               ("by_status", .object(JSONObject(t.byStatus.sorted { $0.key < $1.key }.map { ($0.key, .int(Int64($0.value))) }))),
               ("cleared_mwh", .number(t.clearedMWh)), ("dispatched_mwh", .number(t.dispatchedMWh)),
               ("revenue_aud", .number(t.revenueAUD))]
    }

    static func json(_ i: BidIntervalRow) -> JSON {
        func opt(_ v: Double?) -> JSON { v.map(JSON.number) ?? .null }
        func at(_ v: Int64?) -> JSON { v.map { .string(MarketTime.iso($0)) } ?? .null }
        return .object(JSONObject(timeFields("interval", i.intervalEndMs) + [
            ("mw", .array(i.mw.map(JSON.number))), ("status", .string(i.status)), ("price", opt(i.price)),
            ("cleared_mw", opt(i.clearedMW)), ("dispatched_mw", opt(i.dispatchedMW)), ("revenue_aud", opt(i.revenueAUD)),
            ("message", .string(i.message)),
            ("submitted_at", at(i.submittedMs)), ("cleared_at", at(i.clearedMs)), ("dispatched_at", at(i.dispatchedMs)),
            ("settled_at", at(i.settledMs)), ("cancelled_at", at(i.cancelledMs)),
        ]))
    }
}
