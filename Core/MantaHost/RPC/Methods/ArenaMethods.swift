import MantaJSON
import MantaMarket

/// arena.leaderboard, arena.champion.
extension HostRuntime {
    func arenaMethods() -> [RPCMethod] {
        let state = self.state
        /// A method answering one object per VPP with an arena (or the one
        /// named by `vpp`): its id, its champion, then `fields`.
        func perArena(_ name: String, _ summary: String, _ fields: @escaping (LiveArena) -> [(String, JSON)]) -> RPCMethod {
            RPCMethod(name, summary, params: Schemas.params([("vpp", ["type": "string"])]), result: Schemas.objectList,
                      .sync { p, _ throws(RPCError) in
                          var vpps = state.vpps.filter { $0.arena != nil }
                          if let id = p.string("vpp") {
                              guard let v = state.vpps.first(where: { $0.config.id == id }) else { throw .notFound("no VPP \(id)") }
                              guard v.arena != nil else { throw .notFound("VPP \(id) has no arena (vpps[].arena in the config)") }
                              vpps = [v]
                          }
                          return .array(vpps.map { v in
                              let a = v.arena!
                              return .object(JSONObject([("vpp", .string(v.config.id)), ("champion", .string(a.championName))] + fields(a)))
                          })
                      })
        }
        return [
            perArena("arena.leaderboard", "The contenders of each VPP's arena, best trailing revenue per MW first.") { a in
                [("window_intervals", .int(a.config.windowIntervals)), ("hysteresis", .number(a.config.hysteresis)),
                 ("min_tenure_intervals", .int(a.config.minTenureIntervals)), ("contenders", .array(a.leaderboard))]
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
}
