import MantaJSON
import MantaMarket

/// dispatch.submit, dispatch.status, dispatch.cancel: an operator's
/// instruction to a VPP, and how its execution goes.
@LoopActor
struct InstructionMethods {
    let instructions: FleetInstructions
    let vpps: VPPSet
    let cycle: DispatchCycle
    let members: MemberStates
    let clock: HostClock

    /// A week: the furthest ahead an instruction may start, and its longest window.
    static let horizonS: Int64 = 7 * 86_400

    var methods: [RPCMethod] {
        let instructions = self.instructions, vpps = self.vpps, cycle = self.cycle, clock = self.clock
        return [
            .sync("dispatch.submit",
                  "Instructs a VPP to run at target_w (W, + = discharge) from start (default now) for duration_s, overriding its strategy; answers the instruction's id.",
                  params: Schemas.params([
                      ("vpp", VPPSchemas.names),
                      ("target_w", ["type": "number", "minimum": -1e10, "maximum": 1e10, "description": "W, + = discharge, - = charge"]),
                      ("start", Schemas.time),
                      ("duration_s", ["type": "integer", "minimum": 1, "maximum": .int(Self.horizonS)]),
                      ("reason", ["type": "string", "maxLength": 500, "default": ""]),
                  ], required: ["vpp", "target_w", "duration_s"]),
                  result: Schemas.object, mutating: true) { [self] (p: SubmitParams, session) throws(RPCError) in
                guard let v = vpps.vpp(p.vpp) else { throw .notFound("no VPP \(p.vpp)") }
                guard v.config.status == .active else {
                    throw .invalidParams("vpp: \(p.vpp) is \(v.config.status.rawValue) and does not dispatch; set its status to active first")
                }
                let now = clock.nowMs()
                let start = max(now, p.start?.ms ?? now)
                guard start - now <= Self.horizonS * 1000 else { throw .invalidParams("start: more than a week ahead") }
                if let s = p.start?.ms, s + p.durationS * 1000 <= now {
                    throw .invalidParams("start: the window ended before now (\(MarketTime.iso(now)))")
                }
                let endMs = (p.start?.ms ?? now) + p.durationS * 1000
                let i = instructions.submit(vpp: p.vpp, targetW: p.targetW, startMs: start, endMs: endMs, reason: p.reason,
                                            principal: VPPMethods.principal(session), nowMs: now)
                cycle.instructionsChanged()
                return statusJSON(i, live: false)
            },
            .sync("dispatch.status", "An instruction's state (pending, active, done, cancelled), target, measured fleet power, deviation and setpoint outcomes.",
                  params: Schemas.params([("id", ["type": "integer", "minimum": 1])], required: ["id"]),
                  result: Schemas.object) { [self] (p: IDParams, _) throws(RPCError) in
                guard let i = instructions.instruction(p.id) else { throw .notFound("no instruction \(p.id)") }
                return statusJSON(i)
            },
            .sync("dispatch.cancel", "Cancels a pending or active instruction; the strategy takes over at once.",
                  params: Schemas.params([("id", ["type": "integer", "minimum": 1])], required: ["id"]),
                  result: Schemas.object, mutating: true) { [self] (p: IDParams, _) throws(RPCError) in
                guard let i = instructions.instruction(p.id) else { throw .notFound("no instruction \(p.id)") }
                let state = i.state(at: clock.nowMs())
                guard state == .pending || state == .active else { throw .invalidParams("id: instruction \(p.id) is \(state.rawValue)") }
                instructions.cancel(i, nowMs: clock.nowMs())
                cycle.instructionsChanged()
                return statusJSON(i, live: false)
            },
        ]
    }

    /// `live`: measure the members now (a fleet-wide read; not done in the
    /// answers of submit and cancel, which return at once).
    func statusJSON(_ i: FleetInstructions.Instruction, live: Bool = true) -> JSON {
        let now = clock.nowMs()
        let state = i.state(at: now)
        // While active: the members' measured power now; after: the last measured.
        var actual = i.actualW
        if live, state == .active, let v = vpps.vpp(i.vpp) {
            let views = members.views(v, nowMs: now)
            if views.contains(where: { $0.powerW != nil }) {
                actual = views.reduce(0) { $0 + ($1.powerW ?? 0) }
            }
        }
        return .object(JSONObject([
            ("id", .int(i.id)), ("vpp", .string(i.vpp)), ("state", .string(state.rawValue)), ("target_w", .number(i.targetW)),
            ("actual_w", actual.map(JSON.number) ?? .null), ("deviation_w", actual.map { .number($0 - i.targetW) } ?? .null),
        ] + timeFields("start", i.startMs) + timeFields("end", i.endMs) + [
            ("reason", .string(i.reason)), ("principal", .string(i.principal)),
            ("outcomes", .object(JSONObject(i.outcomes.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) }))),
        ]))
    }

    struct SubmitParams: RPCParams {
        var vpp: String
        var targetW: Double
        var start: RPCTime?
        var durationS: Int64
        var reason: String
        enum CodingKeys: String, CodingKey { case vpp, targetW = "target_w", start, durationS = "duration_s", reason }
    }

    struct IDParams: RPCParams {
        var id: Int64
    }
}
