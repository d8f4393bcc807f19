import MantaEngine
import MantaJSON
import MantaMarket

/// arena.leaderboard, arena.champion.
@LoopActor
struct ArenaMethods {
    let vpps: VPPSet

    var methods: [RPCMethod] {
        let vppSet = self.vpps
        /// A method answering one object per VPP with an arena (or the one
        /// named by `vpp`): its id, its champion, then `fields`.
        func perArena(_ name: String, _ summary: String,
                      _ fields: @escaping @LoopActor @Sendable (LiveArena) -> [(String, JSON)]) -> RPCMethod {
            .sync(name, summary, params: Schemas.params([("vpp", ["type": "string"])]), result: Schemas.objectList) {
                (p: VPPQuery, _) throws(RPCError) in
                          var vpps = vppSet.all.filter { $0.arena != nil }
                          if let id = p.vpp {
                              guard let v = vppSet.vpp(id) else { throw .notFound("no VPP \(id)") }
                              guard v.arena != nil else { throw .notFound("VPP \(id) has no arena (vpps[].arena in the config)") }
                              vpps = [v]
                          }
                          return .array(vpps.compactMap { v in
                              guard let a = v.arena else { return nil }
                              return .object(JSONObject([("vpp", .string(v.config.id)), ("champion", .string(a.championName))] + fields(a)))
                          })
            }
        }
        return [
            perArena("arena.leaderboard", "The contenders of each VPP's arena, best trailing revenue per MW first.") { a in
                [("window_intervals", .int(a.config.windowIntervals)), ("hysteresis", .number(a.config.hysteresis)),
                 ("min_tenure_intervals", .int(a.config.minTenureIntervals)), ("contenders", .array(Self.leaderboard(a)))]
            },
            perArena("arena.champion", "Which strategy dispatches each VPP with an arena, since when, and the recent switches.") { a in
                [("since", a.championSinceMs > 0 ? .string(MarketTime.iso(a.championSinceMs)) : .null),
                 ("tenure_intervals", .int(a.tenure)),
                 ("switches", .array(a.switches.map { s in
                     .object(JSONObject([("at", .string(MarketTime.iso(s.atMs))), ("from", .string(s.from)), ("to", .string(s.to)),
                                         ("from_score", .number(s.fromScore)), ("to_score", .number(s.toScore))]))
                 }))]
            },
        ]
    }

    struct VPPQuery: RPCParams {
        var vpp: String?
    }

    /// The contenders, best trailing revenue per MW first.
    static func leaderboard(_ a: LiveArena) -> [JSON] {
        a.contenders.indices.sorted { a.score($0) > a.score($1) }.map { c in
            let x = a.contenders[c]
            return .object(JSONObject([
                ("strategy", .string(x.name)), ("champion", .bool(c == a.champion)),
                ("trailing_revenue_aud", .number((x.recent.reduce(0, +) * 100).rounded() / 100)),
                ("trailing_revenue_per_mw", .number((a.score(c) * 100).rounded() / 100)),
                ("window_intervals", .int(x.recent.count)),
                ("total_revenue_aud", .number((x.total * 100).rounded() / 100)),
                ("intervals", .int(x.intervals)), ("failures", .int(x.failures)),
            ]))
        }
    }
}
