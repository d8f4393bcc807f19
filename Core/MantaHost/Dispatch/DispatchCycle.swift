import MantaABI
import MantaEngine
import MantaIO
import MantaJSON
import MantaMarket
import MantaModel
import MantaSDK
import MantaText

/// Once per market interval and VPP: show the strategy the plant, take its
/// decision (or hold, when it fails or is late), hold it to the assets'
/// limits, send setpoints to the drivers and record commands and outcomes.
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
        var catalog: PointCatalog
        var prices: PriceBook
        var registry: DeviceRegistry
        var ingest: TelemetryIngest
        var devices: DeviceWatch
        var plugins: PluginTable
        var vpps: VPPSet
        var ids: DispatchIDs
        var store: StorePipeline
        var events: EventLog
        var logger: Logger
    }

    private let dispatch: HostConfig.Dispatch
    private let clock: HostClock
    private let prices: PriceBook
    private let registry: DeviceRegistry
    private let ingest: TelemetryIngest
    private let devices: DeviceWatch
    private let plugins: PluginTable
    private let vpps: VPPSet
    private let ids: DispatchIDs
    private let store: StorePipeline
    private let events: EventLog
    private let logger: Logger
    private var tick: LoopTimer?
    private var nextCycle = 1
    private let socPoint: UInt32
    private let powerPoint: UInt32

    init(_ p: Parts) {
        dispatch = p.dispatch
        clock = p.clock
        prices = p.prices
        registry = p.registry
        ingest = p.ingest
        devices = p.devices
        plugins = p.plugins
        vpps = p.vpps
        ids = p.ids
        store = p.store
        events = p.events
        logger = p.logger
        socPoint = p.catalog["battery.soc"]?.id ?? 0
        powerPoint = p.catalog["ac.w"]?.id ?? 0
    }

    /// Starts checking, often enough to act within a small fraction of an
    /// interval under any clock speed.
    func start() {
        let intervalWall = clock.wallMs(forHostMs: MarketTime.intervalMs)
        let period = UInt64(min(1000, max(10, intervalWall / 20)))
        let t = LoopTimer()
        t.schedule(afterMs: 0, repeatMs: period) { [unowned self] in check() }
        tick = t
    }

    func stop() {
        tick?.close()
        tick = nil
        vpps.close()
    }

    /// A price arrived for `region`: VPPs there may be able to decide now.
    func priceArrived(region: String) {
        if tick != nil, vpps.all.contains(where: { $0.config.region.code == region }) { check() }
    }

    private func check() {
        let now = clock.nowMs()
        let end = MarketTime.intervalEnd(containing: now)
        for vpp in vpps.all where vpp.inFlight == nil && vpp.lastDecidedEnd < end {
            let price = prices.price(region: vpp.config.region.code, intervalEndMs: end)
            let waited = now - (end - MarketTime.intervalMs)
            if price != nil || waited >= dispatch.priceWaitMs {
                begin(vpp, intervalEndMs: end, price: price?.rrp ?? .nan, now: now)
            }
        }
    }

    // MARK: asking the strategy

    private func begin(_ vpp: VPPRuntime, intervalEndMs end: Int64, price: Double, now: Int64) {
        let cycle = nextCycle
        nextCycle += 1
        let deadlineWall = min(dispatch.deadlineMs, max(10, clock.wallMs(forHostMs: end - now) / 2))
        let obs = Observation(
            nowMs: now, intervalEndMs: end, intervalMs: MarketTime.intervalMs,
            deadlineMs: now + Int64(Double(deadlineWall) * clock.speed), vpp: vpp.config.id,
            region: vpp.config.region.code, price: price,
            priceHistory: prices.history(region: vpp.config.region.code, before: end,
                                         count: dispatch.historyIntervals)[...],
            assets: vpp.members.compactMap { asset($0, now: now) })
        vpp.lastDecidedEnd = end
        vpp.inFlight = VPPRuntime.InFlight(cycle: cycle, intervalEndMs: end, startedNs: WallClock.monotonicNs(),
                                           observation: obs)
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

    /// An arena round: every contender decides (the champion on the real
    /// fleet, the others on their shadow fleets); once all have answered or
    /// the deadline passes, the champion's decision is dispatched and every
    /// contender's is settled in its shadow.
    private func beginRound(_ vpp: VPPRuntime, _ arena: LiveArena, _ obs: Observation, cycle: Int, deadlineWall: Int64) {
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

    private func answered(_ vpp: VPPRuntime, cycle: Int, contender c: Int, _ result: Result<Decision, PluginCallError>) {
        guard let flight = vpp.inFlight, flight.cycle == cycle, let arena = vpp.arena, vpp.round[c] == nil else { return }
        vpp.round[c] = result
        if vpp.round.count == arena.contenders.count { concludeRound(vpp, arena, cycle: cycle) }
    }

    private func concludeRound(_ vpp: VPPRuntime, _ arena: LiveArena, cycle: Int) {
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

    /// The asset view of a member, with its fresh state of charge.
    private func asset(_ number: UInt32, now: Int64) -> AssetState? {
        guard let d = registry.device(number: number) else { return nil }
        let latest = ingest.latest
        // An offline device's last reading is not to be acted on: unknown SOC holds it.
        let usable = devices.usable(number)
        let soc = usable ? latest.fresh(device: number, point: socPoint, nowMs: now, maxAgeMs: dispatch.maxTelemetryAgeMs) ?? .nan : .nan
        let power = latest.fresh(device: number, point: powerPoint, nowMs: now, maxAgeMs: dispatch.maxTelemetryAgeMs) ?? .nan
        let r = d.ratings
        return AssetState(id: d.id, kind: d.kind, soc: soc, capacityWh: r.capacityWh, maxChargeW: r.maxChargeW,
                         maxDischargeW: r.maxDischargeW, socMin: r.socMin, socMax: r.socMax, powerW: power,
                         roundTripEfficiency: r.roundTripEfficiency)
    }

    // MARK: acting on the decision

    private func finish(_ vpp: VPPRuntime, cycle: Int, _ result: Result<Decision, PluginCallError>) {
        guard let flight = vpp.inFlight, flight.cycle == cycle else {
            if case .success = result {
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
        var targets: [Double]
        switch result {
        case .success(let d):
            targets = d.targetsW
            reason = d.reason
        case .failure(let e):
            status = .fallback
            reason = "hold: \(e.message)"
            targets = [Double](repeating: 0, count: obs.assets.count)
            events.record(.warning, source: vpp.config.id, kind: "dispatch.fallback",
                                "\(MarketTime.format(obs.intervalEndMs)): \(e.message); holding", atMs: now)
        }
        // A decision made without what it needs is not "ok", whatever the
        // strategy said: the interval is recorded degraded, with why.
        if status == .ok, let why = Self.degradation(obs) {
            status = .degraded
            reason = "\(why); \(reason)"
        }
        let hours = Double(max(0, obs.intervalEndMs - now)) / 3_600_000
        let commands = DispatchPlan.commands(for: obs, targets: targets, hours: hours)
        record(vpp, obs, commands, status: status, reason: reason, micros: micros, now: now)
    }

    /// What the interval was decided without, if anything.
    static func degradation(_ obs: Observation) -> String? {
        if !obs.price.isFinite { return "degraded: the interval's price is unknown" }
        if obs.assets.isEmpty { return "degraded: no dispatchable members" }
        if obs.assets.allSatisfy({ !$0.soc.isFinite }) { return "degraded: no member's state of charge is known" }
        return nil
    }

    private func record(_ vpp: VPPRuntime, _ obs: Observation, _ commands: [DispatchPlan.Command],
                        status: DecisionStatus, reason: String, micros: Int64, now: Int64) {
        let intervalID = ids.nextInterval()
        let validUntil = obs.intervalEndMs + dispatch.setpointGraceMs
        var rows: [CommandRow] = [], perDriver: [String: [Setpoint]] = [:]
        for c in commands {
            guard let device = registry.device(id: obs.assets[c.asset].id) else { continue }
            let id = ids.nextCommand()
            rows.append(CommandRow(id: id, intervalID: intervalID, device: device.number, requestedW: c.requestedW,
                                   targetW: c.targetW, note: c.note, validFromMs: now, validUntilMs: validUntil))
            perDriver[device.instance, default: []].append(Setpoint(
                device: Int(device.index), mode: .activePower, commandID: UInt64(id), value: c.targetW,
                validFromMs: now, validUntilMs: validUntil))
        }
        store.add {
            $0.intervals.append(DispatchIntervalRow(
                id: intervalID, vpp: vpp.config.id, intervalEndMs: obs.intervalEndMs, price: obs.price,
                strategy: vpp.dispatchingName, status: status, reason: reason, decidedMs: now, decideMicros: micros))
            $0.commands += rows
        }
        let summary = VPPRuntime.Summary(
            intervalEndMs: obs.intervalEndMs, price: obs.price, status: status, reason: reason,
            charging: commands.filter { $0.targetW < 0 }.count, discharging: commands.filter { $0.targetW > 0 }.count,
            holding: commands.filter { $0.targetW == 0 }.count, targetW: commands.reduce(0) { $0 + $1.targetW })
        vpp.last = summary
        logger.info(vpp.config.id, Self.describe(summary, region: vpp.config.region.code))
        let timing = IntervalTiming(intervalID: intervalID, decidedNs: WallClock.monotonicNs(), drivers: perDriver.count)
        for (driver, requests) in perDriver { send(requests, to: driver, timing: timing) }
    }

    static func describe(_ s: VPPRuntime.Summary, region: String) -> String {
        let price = s.price.isFinite ? "$\(NumberText.rounded(s.price))/MWh" : "price unknown"
        let action = s.targetW < 0 ? "charge" : s.targetW > 0 ? "discharge" : "hold"
        return "\(MarketTime.format(s.intervalEndMs)) \(region) \(price) -> \(action) \(NumberText.rounded(abs(s.targetW) / 1000)) kW "
            + "(\(s.charging) charging, \(s.discharging) discharging, \(s.holding) holding) [\(s.status.name)] \(s.reason)"
    }

    private func send(_ requests: [Setpoint], to driver: String, timing: IntervalTiming) {
        let now = clock.nowMs()
        guard let instance = plugins.instance(named: driver), instance.state == .started else {
            let why = "driver \(driver) is not running"
            store.add {
                $0.outcomes += requests.map { OutcomeRow(commandID: Int64($0.commandID), outcome: .failed, appliedW: .nan,
                                                          message: why, tMs: now) }
            }
            timing.answered(handedNs: 0)
            return
        }
        let handed = HandOffStamp()
        instance.applySetpoints(requests, handed: handed) { [self] results in
            outcomes(results, for: requests, driver: driver)
            if let row = timing.answered(handedNs: handed.value) { store.add { $0.timings.append(row) } }
        }
    }

    private func outcomes(_ results: [SetpointOutcome]?, for requests: [Setpoint], driver: String) {
        let now = clock.nowMs()
        let rows: [OutcomeRow]
        if let results {
            rows = results.map { OutcomeRow(commandID: Int64($0.commandID), outcome: $0.outcome,
                                            appliedW: $0.appliedValue, message: $0.message, tMs: now) }
            let failed = results.filter { $0.outcome.refusedOrFailed }
            if let first = failed.first {
                events.record(.warning, source: driver, kind: "dispatch.setpoint",
                                    "\(failed.count) of \(results.count) setpoints \(first.outcome.name): \(first.message)", atMs: now)
            }
        } else {
            rows = requests.map { OutcomeRow(commandID: Int64($0.commandID), outcome: .failed, appliedW: .nan,
                                             message: "driver \(driver) could not take the call", tMs: now) }
        }
        store.add { $0.outcomes += rows }
    }
}
