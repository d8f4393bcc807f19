import MantaJSON
import MantaMarket

/// risk.status, risk.reset: the risk guard's limits, what it has
/// intercepted, and its circuit breakers.
@LoopActor
struct RiskMethods {
    let risk: RiskGuard
    let vpps: VPPSet

    var methods: [RPCMethod] {
        let risk = self.risk, vppSet = self.vpps
        return [
            .sync("risk.status", "The risk guard's limits and, per VPP, its breaker (tripped, why, the trailing window's total), strategy failures in a row and interceptions by kind.",
                  params: Schemas.params([("vpp", ["type": "string", "maxLength": 256])]), result: Schemas.object) {
                (p: One, _) throws(RPCError) in
                if let id = p.vpp, vppSet.vpp(id) == nil { throw .notFound("no VPP \(id)") }
                let l = risk.limits
                let ids = p.vpp.map { [$0] } ?? vppSet.all.map(\.config.id)
                return .object(JSONObject([
                    ("limits", .object(JSONObject([
                        ("max_loss_aud", l.maxLossAUD.map(JSON.number) ?? .null),
                        ("loss_window_intervals", .int(Int64(l.lossWindowIntervals))),
                        ("max_strategy_errors", .int(Int64(l.maxStrategyErrors))),
                        ("buy_above", l.buyAbove.map(JSON.number) ?? .null), ("sell_below", l.sellBelow.map(JSON.number) ?? .null),
                        ("max_jump_ratio", .number(l.maxJumpRatio)), ("max_flips", .int(Int64(l.maxFlips))),
                        ("flip_window_intervals", .int(Int64(l.flipWindowIntervals))),
                    ]))),
                    ("vpps", .array(ids.map { id in Self.json(id, risk.state(id)) })),
                ]))
            },
            .sync("risk.reset", "Resets a VPP's tripped breaker (and its loss window and failure count): it dispatches and bids again.",
                  params: Schemas.params([("vpp", ["type": "string", "maxLength": 256]),
                                          ("reason", ["type": "string", "maxLength": 500])], required: ["vpp"]),
                  result: Schemas.object, mutating: true) { (p: Reset, _) throws(RPCError) in
                guard vppSet.vpp(p.vpp) != nil else { throw .notFound("no VPP \(p.vpp)") }
                let was = risk.reset(vpp: p.vpp)
                return ["vpp": .string(p.vpp), "was_tripped": .bool(was)]
            },
        ]
    }

    struct One: RPCParams { var vpp: String? }
    struct Reset: RPCParams {
        var vpp: String
        var reason: String?
    }

    static func json(_ id: String, _ s: RiskGuard.State) -> JSON {
        .object(JSONObject([
            ("vpp", .string(id)), ("tripped", .bool(s.tripped != nil)), ("reason", s.tripped.map { .string($0.reason) } ?? .null),
            ("tripped_at", s.tripped.map { .string(MarketTime.iso($0.atMs)) } ?? .null),
            ("window_aud", s.breaker.map { .number($0.windowAUD) } ?? .null),
            ("strategy_errors_in_a_row", .int(Int64(s.errorsInARow))),
            ("interceptions", .object(JSONObject(s.interceptions.sorted { $0.key < $1.key }.map { ($0.key, .int(Int64($0.value))) }))),
            ("last_interception", s.lastInterception.map(JSON.string) ?? .null),
        ]))
    }
}
