import MantaABI
import MantaEngine
import MantaIO
import MantaJSON
import MantaText

extension DispatchCycle {
    /// An arena round: every contender decides (the champion on the real
    /// fleet, the others on their shadow fleets); once all have answered or
    /// the deadline passes, the champion's decision is dispatched and every
    /// contender's is settled in its shadow.
    func beginRound(_ vpp: VPPRuntime, _ arena: LiveArena, _ obs: Observation, cycle: Int, deadlineWall: Int64) {
        vpp.round = [:]
        for (c, contender) in arena.contenders.enumerated() {
            guard let inst = plugins.instance(at: contender.instance), inst.state == .started else {
                vpp.round[c] = .failure(PluginCallError("\(contender.name) is not running"))
                continue
            }
            inst.decide(arena.observation(for: c, obs)) { [self] result in
                answered(vpp, cycle: cycle, contender: c, result ?? .failure(PluginCallError("unavailable")))
            }
        }
        if vpp.round.count == arena.contenders.count { return concludeRound(vpp, arena, cycle: cycle) }
        vpp.deadline.schedule(afterMs: UInt64(deadlineWall)) { [unowned self] in
            for c in arena.contenders.indices where vpp.round[c] == nil {
                vpp.round[c] = .failure(PluginCallError("no decision within \(deadlineWall) ms"))
                if let inst = plugins.instance(at: arena.contenders[c].instance) { inst.noteTimeout(hungAfterMs: dispatch.hungAfterMs) }
            }
            concludeRound(vpp, arena, cycle: cycle)
        }
    }

    func answered(_ vpp: VPPRuntime, cycle: Int, contender c: Int, _ result: Result<Decision, PluginCallError>) {
        guard let flight = vpp.inFlight, flight.cycle == cycle, let arena = vpp.arena, vpp.round[c] == nil else { return }
        vpp.round[c] = result
        if vpp.round.count == arena.contenders.count { concludeRound(vpp, arena, cycle: cycle) }
    }

    func concludeRound(_ vpp: VPPRuntime, _ arena: LiveArena, cycle: Int) {
        guard let flight = vpp.inFlight, flight.cycle == cycle else { return }
        for (c, r) in vpp.round {
            if case .success(let d) = r { arena.answered(c, d.targetsW) } else { arena.answered(c, nil) }
        }
        let championResult = vpp.round[arena.champion] ?? .failure(PluginCallError("no decision"))
        finish(vpp, cycle: cycle, championResult)
        let now = clock.nowMs(), obs = flight.observation
        let hours = Double(max(0, obs.intervalEndMs - max(now, obs.intervalEndMs - obs.intervalMs))) / 3_600_000
        if let s = arena.settle(obs, hours: hours > 0 ? hours : Double(obs.intervalMs) / 3_600_000) {
            let message = "\(s.from) (\(NumberText.rounded(s.fromScore)) AUD/MW) -> \(s.to) (\(NumberText.rounded(s.toScore)) AUD/MW) over the last \(arena.contenders[arena.champion].recent.count) intervals"
            events.record(.info, source: vpp.config.id, kind: "arena.switch", message, atMs: now)
            store.add {
                $0.audits.append(AuditRow(tMs: WallClock.nowMs(), principal: "arena", peer: "mantad", method: "arena.switch",
                                          params: JSON.object(JSONObject([("vpp", .string(vpp.config.id)), ("from", .string(s.from)),
                                                                          ("to", .string(s.to)), ("from_score", .number(s.fromScore)),
                                                                          ("to_score", .number(s.toScore))])).serialized(),
                                          outcome: "ok"))
            }
        }
    }

}
