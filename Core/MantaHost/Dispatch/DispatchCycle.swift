import MantaABI
import MantaEngine
import MantaIO
import MantaJSON
import MantaMarket
import MantaModel
import MantaSDK
import MantaText

/// Once per market interval and active VPP: show the strategy the plant,
/// take its decision (or hold, when it fails or is late), hold it to the
/// assets' limits, send setpoints to the drivers and record commands and
/// outcomes. An operator instruction in its window takes the strategy's
/// place: its target is split over the members (FleetSplit), and the cycle
/// re-decides the moment one starts, ends or is cancelled.
///
/// An interval is decided as soon as its price is known: AEMO publishes an
/// interval's dispatch price as the interval starts, and replay connectors
/// publish at that moment too. If the price has not arrived `price_wait_ms`
/// into the interval, the strategy decides without it.
///
/// It never waits on a plugin: calls go to workers, answers come back
/// through the loop.
@LoopActor
final class DispatchCycle {
    /// What the cycle reads and who it hands its results to.
    struct Parts {
        var dispatch: HostConfig.Dispatch
        var clock: HostClock
        var prices: PriceBook
        var members: MemberStates
        var plugins: PluginTable
        var vpps: VPPSet
        var instructions: FleetInstructions
        var setpoints: FleetSetpoints
        var fcas: FCASDispatch
        var risk: RiskGuard
        var loop: ClosedLoop
        var sites: SiteStates
        var ids: DispatchIDs
        var store: StorePipeline
        var events: EventLog
        var logger: Logger
    }

    let dispatch: HostConfig.Dispatch
    let clock: HostClock
    private let prices: PriceBook
    private let members: MemberStates
    let plugins: PluginTable
    private let vpps: VPPSet
    private let instructions: FleetInstructions
    private let setpoints: FleetSetpoints
    private let fcas: FCASDispatch
    private let risk: RiskGuard
    private let loop: ClosedLoop
    private let sites: SiteStates
    private let ids: DispatchIDs
    let store: StorePipeline
    let events: EventLog
    private let logger: Logger
    private var tick: LoopTimer?
    private var nextCycle = 1
    /// Intervals that followed an instruction, for its outcome counts.
    private var followed: [Int64: FleetInstructions.Instruction] = [:]
    /// Told of each strategy decision dispatched: the VPP, the interval's
    /// end, the fleet's target W, the MW enabled by service and the price
    /// (the trading desk records a VPP's plan bids from it).
    var onDispatched: ((VPPRuntime, Int64, Double, [Double], Price?) -> Void)?
    /// Told of every decision recorded: the VPP, what was decided and by
    /// whom (subscriptions follow them).
    var onDecided: ((VPPRuntime, VPPRuntime.Summary, String) -> Void)?

    init(_ p: Parts) {
        dispatch = p.dispatch
        clock = p.clock
        prices = p.prices
        members = p.members
        plugins = p.plugins
        vpps = p.vpps
        instructions = p.instructions
        setpoints = p.setpoints
        fcas = p.fcas
        risk = p.risk
        loop = p.loop
        sites = p.sites
        ids = p.ids
        store = p.store
        events = p.events
        logger = p.logger
    }

    /// Starts checking, often enough to act within a small fraction of an
    /// interval under any clock speed.
    func start() {
        let intervalWall = clock.wallMs(forHostMs: MarketTime.intervalMs)
        let period = UInt64(min(1000, max(10, intervalWall / 20)))
        let t = LoopTimer()
        t.schedule(afterMs: 0, repeatMs: period) { [unowned self] in check() }
        tick = t
        setpoints.onOutcomes = { [unowned self] interval, results in
            guard let i = followed[interval] else { return }
            var counts: [SetpointOutcome.Outcome: Int] = [:]
            for r in results { counts[r.outcome, default: 0] += 1 }
            for (o, n) in counts { i.outcomes[o.name, default: 0] += n }
        }
    }

    func stop() {
        tick?.close()
        tick = nil
        loop.stop()
        vpps.close()
    }

    /// A price arrived for `region`: VPPs there may be able to decide now.
    func priceArrived(region: String) {
        if tick != nil, vpps.all.contains(where: { $0.config.region.code == region }) { check() }
    }

    /// An instruction was submitted or cancelled: act on it now.
    func instructionsChanged() {
        if tick != nil { check() }
    }

    /// What `vpp` must do in its interval changed (an FCAS bid cleared):
    /// decide it again now.
    func redecide(_ vpp: VPPRuntime) {
        vpp.redecide = true
        if tick != nil { check() }
    }

    private func check() {
        let now = clock.nowMs()
        let end = MarketTime.intervalEnd(containing: now)
        instructions.sweep(nowMs: now)
        for vpp in vpps.all where vpp.inFlight == nil && vpp.clearing == 0 && vpp.config.status == .active {
            let instruction = instructions.current(vpp: vpp.config.id, nowMs: now)
            let newInterval = vpp.lastDecidedEnd < end
            // An instruction that started, ended or was cancelled within the
            // interval: decide the rest of it again, at once.
            if !newInterval && instruction?.id == vpp.following && !vpp.redecide { continue }
            let price = prices.price(region: vpp.config.region.code, intervalEndMs: end)
            if !newInterval || instruction != nil {
                begin(vpp, intervalEndMs: end, price: price, now: now, instruction: instruction)
                continue
            }
            let waited = now - (end - MarketTime.intervalMs)
            if price != nil || waited >= dispatch.priceWaitMs {
                begin(vpp, intervalEndMs: end, price: price, now: now, instruction: nil)
            }
        }
    }

    // MARK: asking the strategy

    /// `price` is the interval's, when it has arrived.
    private func begin(_ vpp: VPPRuntime, intervalEndMs end: Int64, price: Price?, now: Int64,
                       instruction: FleetInstructions.Instruction?) {
        let cycle = nextCycle
        nextCycle += 1
        let deadlineWall = min(dispatch.deadlineMs, max(10, clock.wallMs(forHostMs: end - now) / 2))
        let views = members.views(vpp, nowMs: now)
        var obs = Observation(
            nowMs: now, intervalEndMs: end, intervalMs: MarketTime.intervalMs,
            deadlineMs: now + Int64(Double(deadlineWall) * clock.speed), vpp: vpp.config.id,
            region: vpp.config.region.code, price: price?.rrp ?? .nan,
            priceHistory: prices.history(region: vpp.config.region.code, before: end,
                                         count: dispatch.historyIntervals)[...],
            assets: views.map(\.asset))
        // The sites are for a strategy to plan around; an operator's
        // instruction is split without asking one.
        if instruction == nil { sites.fill(&obs.assets, views: views, vpp: vpp.config.id, nowMs: now) }
        // FCAS is offered to a strategy, not to an operator's instruction (a
        // power target); cleared FCAS bids hold whichever decides.
        let committed = vpp.fcasCleared[end]
        if instruction == nil || committed != nil { obs.fcas = fcas.offer(price, views: views) }
        vpp.redecide = false
        vpp.lastDecidedEnd = end
        vpp.following = instruction?.id
        vpp.inFlight = VPPRuntime.InFlight(cycle: cycle, intervalEndMs: end, startedNs: WallClock.monotonicNs(),
                                           observation: obs, views: views, instruction: instruction, price: price)
        if let instruction {
            // The operator's target, split by headroom, priority and SOC.
            let hours = Double(max(1, end - now)) / 3_600_000
            let targets = FleetSplit.split(targetW: instruction.targetW, members: views.map { $0.splitMember(hours: hours) },
                                           hours: hours)
            let why = instruction.reason.isEmpty ? "" : ": \(instruction.reason)"
            return finish(vpp, cycle: cycle, .success(Decision(
                targetsW: targets, reason: "instruction \(instruction.id) (\(NumberText.rounded(instruction.targetW / 1000)) kW)\(why)")))
        }
        if let arena = vpp.arena { return beginRound(vpp, arena, obs, cycle: cycle, deadlineWall: deadlineWall) }
        guard let index = vpp.strategy, let strategy = plugins.instance(at: index) else {
            return finish(vpp, cycle: cycle, .failure(PluginCallError("strategy \(vpp.config.strategy) is not loaded")))
        }
        if strategy.state != .started {
            return finish(vpp, cycle: cycle, .failure(PluginCallError(
                "strategy \(strategy.name) is \(strategy.state.rawValue)\(strategy.lastError.isEmpty ? "" : ": \(strategy.lastError)")")))
        }
        strategy.decide(obs) { [self] result in
            finish(vpp, cycle: cycle, result ?? .failure(PluginCallError("strategy unavailable")))
        }
        vpp.deadline.schedule(afterMs: UInt64(deadlineWall)) { [unowned self] in
            strategy.noteTimeout(hungAfterMs: dispatch.hungAfterMs)
            finish(vpp, cycle: cycle, .failure(PluginCallError("no decision within \(deadlineWall) ms")))
        }
    }

    // MARK: acting on the decision

    func finish(_ vpp: VPPRuntime, cycle: Int, _ result: Result<Decision, PluginCallError>) {
        guard let flight = vpp.inFlight, flight.cycle == cycle, !vpp.retired else {
            if case .success = result, !vpp.retired {
                logger.warn(vpp.config.strategy, "decision for cycle \(cycle) arrived after its deadline: discarded")
            }
            return
        }
        vpp.inFlight = nil
        vpp.deadline.cancel()
        let obs = flight.observation
        let micros = Int64((WallClock.monotonicNs() - flight.startedNs) / 1000)
        let now = clock.nowMs()
        var status = DecisionStatus.ok, reason: String
        var targets: [Double], fcasMW: [Double] = []
        switch result {
        case .success(let d):
            targets = d.targetsW
            fcasMW = d.fcasMW
            reason = d.reason
            // A strategy's decision passes the risk guard; an operator's instruction does not.
            if flight.instruction == nil {
                let reviewed = risk.review(vpp: vpp.config.id, obs: obs, targets: targets)
                targets = reviewed.targets
                if let note = reviewed.note { reason = "\(note); \(reason)" }
                if risk.tripped(vpp.config.id) != nil { fcasMW = [] }
            }
        case .failure(let e):
            status = .fallback
            reason = "hold: \(e.message)"
            targets = [Double](repeating: 0, count: obs.assets.count)
            if flight.instruction == nil { risk.strategyFailed(vpp: vpp.config.id, e.message) }
            events.record(.warning, source: vpp.config.id, kind: "dispatch.fallback",
                                "\(MarketTime.format(obs.intervalEndMs)): \(e.message); holding", atMs: now)
        }
        // A decision made without what it needs is not "ok", whatever the
        // strategy said: the interval is recorded degraded, with why.
        if status == .ok, let why = Self.degradation(obs) {
            status = .degraded
            reason = "\(why); \(reason)"
        }
        if let committed = vpp.fcasCleared[obs.intervalEndMs], !obs.fcas.isEmpty {
            fcasMW = FCASDispatch.split(committed, views: flight.views)
        }
        let hours = Double(max(0, obs.intervalEndMs - now)) / 3_600_000
        let commands = DispatchPlan.commands(for: obs, targets: targets, hours: hours)
        record(vpp, flight, commands, fcasMW: fcasMW, status: status, reason: reason, micros: micros, now: now)
    }

    /// What the interval was decided without, if anything.
    static func degradation(_ obs: Observation) -> String? {
        if !obs.price.isFinite { return "degraded: the interval's price is unknown" }
        if obs.assets.isEmpty { return "degraded: no dispatchable members" }
        if obs.assets.allSatisfy({ !$0.soc.isFinite }) { return "degraded: no member's state of charge is known" }
        return nil
    }

    private func record(_ vpp: VPPRuntime, _ flight: VPPRuntime.InFlight, _ commands: [DispatchPlan.Command],
                        fcasMW: [Double], status: DecisionStatus, reason: String, micros: Int64, now: Int64) {
        let decidedNs = WallClock.monotonicNs()
        let obs = flight.observation
        // Every decision is a row, a second one in an interval (an
        // instruction began or ended) included.
        let intervalID = ids.nextInterval()
        let validUntil = obs.intervalEndMs + dispatch.setpointGraceMs
        let estimated = flight.views.filter { $0.socQuality == .estimated }.count
        let strategy = flight.instruction.map { "instruction:\($0.id)" } ?? vpp.dispatchingName
        store.add {
            $0.intervals.append(DispatchIntervalRow(
                id: intervalID, vpp: vpp.config.id, intervalEndMs: obs.intervalEndMs, price: obs.price,
                strategy: strategy, status: status, reason: reason, decidedMs: now, decideMicros: micros,
                socEstimated: estimated))
        }
        var sends: [FleetSetpoints.Command] = []
        sends.reserveCapacity(commands.count)
        var charging = 0, discharging = 0, totalW = 0.0
        for c in commands {
            let v = flight.views[c.asset]
            sends.append(.init(device: v.device, allocation: v.member.allocation, requestedW: c.requestedW, targetW: c.targetW,
                               note: c.note))
            if c.targetW < 0 { charging += 1 } else if c.targetW > 0 { discharging += 1 }
            totalW += c.targetW
        }
        let summary = VPPRuntime.Summary(
            intervalEndMs: obs.intervalEndMs, price: obs.price, status: status, reason: reason, charging: charging,
            discharging: discharging, holding: commands.count - charging - discharging, targetW: totalW)
        vpp.last = summary
        onDecided?(vpp, summary, strategy)
        logger.info(vpp.config.id, Self.describe(summary, region: vpp.config.region.code))
        if let i = flight.instruction {
            followed[intervalID] = i
            if followed.count > 2 * FleetInstructions.kept, let oldest = followed.keys.min() { followed[oldest] = nil }
        }
        setpoints.send(sends, vpp: vpp.config.id, intervalID: intervalID, validUntil: validUntil, decidedNs: decidedNs)
        let enabled = fcas.dispatch(vpp: vpp.config.id, obs: obs, views: flight.views, decisionMW: fcasMW, commands: commands,
                                    validUntil: validUntil)
        if let enabled {
            vpp.fcas = enabled
            vpp.noteEnabled(enabled)
        }
        if flight.instruction == nil, let onDispatched {
            onDispatched(vpp, obs.intervalEndMs, totalW, enabled?.mw ?? [], flight.price)
        }
        loop.watch(.init(vpp: vpp, intervalID: intervalID, intervalEndMs: obs.intervalEndMs, sentMs: now,
                         validUntilMs: validUntil, targets: zip(flight.views, commands).map { ($0.member, $1.targetW) },
                         instruction: flight.instruction))
    }

    static func describe(_ s: VPPRuntime.Summary, region: String) -> String {
        let price = s.price.isFinite ? "$\(NumberText.rounded(s.price))/MWh" : "price unknown"
        let action = s.targetW < 0 ? "charge" : s.targetW > 0 ? "discharge" : "hold"
        return "\(MarketTime.format(s.intervalEndMs)) \(region) \(price) -> \(action) \(NumberText.rounded(abs(s.targetW) / 1000)) kW "
            + "(\(s.charging) charging, \(s.discharging) discharging, \(s.holding) holding) [\(s.status.name)] \(s.reason)"
    }
}
