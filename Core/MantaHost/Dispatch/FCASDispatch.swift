import MantaABI
import MantaEngine
import MantaMarket
import MantaModel
import MantaSDK

/// Contingency FCAS in the live fleet: what a strategy enabled, held to
/// each member's limits and handed to its frequency controller.
///
/// Each asset's enablement (MW by service) is held by FCASLimits to the
/// battery's ratings, the power it is dispatched at and the energy it needs
/// to sustain a response, exactly as the backtester holds it. A member
/// enables nothing when it has no frequency controller
/// (MANTA_DEVICE_F_FREQUENCY_RESPONSE), when another VPP shares it (two
/// VPPs' responses would overwrite each other in the one controller) or
/// when its state of charge is unknown. Regulation is not offered live:
/// following AGC needs a 4-second signal that no connector supplies.
///
/// A member's controller gets one raise and one lower response setpoint
/// per interval: the largest contingency enablement of each side. One
/// proportional response answers all four contingency services of a side,
/// since each is measured over its own time frame (1 s, 6 s, 60 s, 5 min).
@LoopActor
final class FCASDispatch {
    /// What a VPP enabled in an interval, after the limits.
    struct Enabled: Sendable {
        var intervalEndMs: Int64
        /// MW by service (FCASService order), summed over the members.
        var mw: [Double]
        /// Members enabled for anything.
        var members: Int
        var clamps: Int
        var firstClamp: String?
    }

    private let drivers: SetpointRoutes
    private let vpps: VPPSet
    private let ids: DispatchIDs
    private let store: StorePipeline
    private let events: EventLog
    private let clock: HostClock
    private let fullResponseHz: Double
    /// What each device's controller was last told (raise W, lower W).
    private var sent: [UInt32: (raise: Double, lower: Double)] = [:]

    init(drivers: SetpointRoutes, vpps: VPPSet, ids: DispatchIDs, store: StorePipeline, events: EventLog, clock: HostClock,
         fullResponseHz: Double) {
        self.drivers = drivers
        self.vpps = vpps
        self.ids = ids
        self.store = store
        self.events = events
        self.clock = clock
        self.fullResponseHz = fullResponseHz
    }

    /// The FCAS prices a VPP's strategy is offered: the interval's, without
    /// regulation, when the prices hold FCAS and a member can respond;
    /// else none.
    func offer(_ price: Price?, views: [MemberStates.View]) -> [Double] {
        guard let fcas = price?.fcas, !fcas.isEmpty, views.contains(where: \.respondsToFrequency) else { return [] }
        var offered = FCASPrices(values: fcas)
        offered[.raiseReg] = .nan
        offered[.lowerReg] = .nan
        return offered.isEmpty ? [] : offered.values
    }

    /// Holds `decisionMW` (Price.fcasCount per asset of `obs`) to each
    /// member's limits at the power `commands` dispatch it at, sends the
    /// response setpoints (valid until `validUntil`) and returns what the
    /// VPP enabled; nil when FCAS was not offered and nothing was enabled.
    /// Without FCAS it costs nothing per member (a fleet's dispatch runs
    /// through here every interval).
    func dispatch(vpp: String, obs: Observation, views: [MemberStates.View], decisionMW: [Double],
                  commands: [DispatchPlan.Command], validUntil: Int64) -> Enabled? {
        let n = Price.fcasCount
        let offered = !obs.fcas.isEmpty && decisionMW.count == views.count * n
        guard offered || (!sent.isEmpty && views.contains(where: { sent[$0.device.number] != nil })) else { return nil }
        var targetsW = [Double](repeating: 0, count: views.count)
        for c in commands where c.asset < targetsW.count { targetsW[c.asset] = c.targetW }
        let now = clock.nowMs()
        let prices = FCASPrices(values: obs.fcas)
        let hours = Double(max(0, obs.intervalEndMs - now)) / 3_600_000
        var total = [Double](repeating: 0, count: n), enabled = 0, clamps: [String] = []
        var sends: [(view: MemberStates.View, raise: Double, lower: Double)] = []
        for (k, v) in views.enumerated() where v.respondsToFrequency {
            var mw: [FCASService: Double] = [:]
            if offered { for s in FCASService.allCases where decisionMW[k * n + s.rawValue] != 0 { mw[s] = decisionMW[k * n + s.rawValue] } }
            let why: String? = mw.isEmpty ? nil
                : vpps.shared[v.device.number] != nil ? "shared with another VPP: its controller answers for the whole device"
                : !v.asset.soc.isFinite ? "its state of charge is unknown" : nil
            if let why {
                clamps.append("\(v.asset.id): nothing enabled: \(why)")
                mw = [:]
            } else if !mw.isEmpty {
                let spec = v.asset.limits.spec
                let step = spec.step(energyWh: v.asset.soc * v.asset.capacityWh, requestW: targetsW[k], hours: hours)
                for c in FCASLimits.hold(&mw, prices: prices, spec: spec, powerW: step.powerW, energyWh: step.energyWh) {
                    clamps.append("\(v.asset.id): \(c)")
                }
            }
            var raise = 0.0, lower = 0.0
            for (s, x) in mw where x > 0 && !s.isRegulation {
                total[s.rawValue] += x
                if s.isRaise { raise = max(raise, x) } else { lower = max(lower, x) }
            }
            if raise > 0 || lower > 0 { enabled += 1 }
            let was = sent[v.device.number]
            if raise > 0 || lower > 0 || was != nil { sends.append((v, raise * 1e6, lower * 1e6)) }
        }
        send(sends, vpp: vpp, now: now, validUntil: validUntil)
        if let first = clamps.first {
            events.record(.info, source: vpp, kind: "fcas.clamp",
                          "\(MarketTime.format(obs.intervalEndMs)): \(clamps.count) FCAS requests held to limits; first: \(first)",
                          atMs: now)
        }
        return Enabled(intervalEndMs: obs.intervalEndMs, mw: total, members: enabled, clamps: clamps.count,
                       firstClamp: clamps.first)
    }

    /// A VPP's committed MW by service (cleared FCAS bids) as a decision:
    /// each service's MW split over the members with a frequency controller
    /// and a known state of charge, in proportion to their discharge
    /// (raise) or charge (lower) rating. Price.fcasCount per member.
    static func split(_ committed: [Double], views: [MemberStates.View]) -> [Double] {
        let n = Price.fcasCount
        var out = [Double](repeating: 0, count: views.count * n)
        let able = views.indices.filter { views[$0].respondsToFrequency && views[$0].asset.soc.isFinite }
        for s in FCASService.allCases where s.rawValue < committed.count && committed[s.rawValue] > 0 {
            let rating = { (k: Int) -> Double in
                let a = views[k].asset
                let w = s.isRaise ? a.maxDischargeW : a.maxChargeW
                return w.isFinite ? max(0, w) : 0
            }
            let total = able.reduce(0.0) { $0 + rating($1) }
            guard total > 0 else { continue }
            for k in able { out[k * n + s.rawValue] = committed[s.rawValue] * rating(k) / total }
        }
        return out
    }

    /// One raise and one lower setpoint per member, batched per driver; a
    /// row in control_commands each, with its outcome.
    private func send(_ sends: [(view: MemberStates.View, raise: Double, lower: Double)], vpp: String, now: Int64,
                      validUntil: Int64) {
        guard !sends.isEmpty else { return }
        var groups: [String: [(Setpoint, ControlRow)]] = [:]
        let firstID = ids.nextCommands(2 * sends.count)
        for (k, s) in sends.enumerated() {
            let d = s.view.device
            sent[d.number] = s.raise > 0 || s.lower > 0 ? (s.raise, s.lower) : nil
            for (j, (mode, w)) in [(SetpointMode.raiseResponse, s.raise), (.lowerResponse, s.lower)].enumerated() {
                let id = firstID + Int64(2 * k + j)
                let sp = Setpoint(device: Int(d.index), mode: mode, commandID: UInt64(id), value: w, validFromMs: now,
                                  validUntilMs: validUntil, fullResponseHz: fullResponseHz)
                let row = ControlRow(id: id, tMs: now, device: d.number, mode: mode, valueW: w, source: "fcas:\(vpp)",
                                     validUntilMs: validUntil)
                groups[d.instance, default: []].append((sp, row))
            }
        }
        for (driver, batch) in groups.sorted(by: { $0.key < $1.key }) {
            guard let instance = drivers.target(named: driver) else {
                finish(batch.map(\.1), nil, why: "driver \(driver) is not running")
                continue
            }
            instance.applySetpoints(batch.map(\.0), handed: nil) { [self] results in
                finish(batch.map(\.1), results, why: "driver \(driver) could not take the call")
            }
        }
    }

    private func finish(_ rows: [ControlRow], _ results: [SetpointOutcome]?, why: String) {
        var done = rows
        for k in done.indices {
            let r = results.flatMap { k < $0.count ? $0[k] : nil } ?? SetpointOutcome(.failed, applied: .nan, why)
            done[k].outcome = r.outcome
            done[k].appliedW = r.appliedValue
            done[k].message = r.message
        }
        let failures = done.filter { $0.outcome?.refusedOrFailed == true }
        if let first = failures.first, let outcome = first.outcome {
            events.record(.warning, source: "fcas", kind: "fcas.setpoint",
                          "\(failures.count) of \(done.count) response setpoints \(outcome.name): \(first.message ?? "")")
        }
        store.add { $0.controls += done }
    }
}
