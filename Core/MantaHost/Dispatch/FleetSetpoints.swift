import MantaABI
import MantaIO
import MantaModel
import MantaSDK

/// Hands one interval's commands to the drivers: records each command,
/// adds the shares other VPPs hold in a shared device (two VPPs never
/// command the same share: each sends its own part and the device gets the
/// sum), batches per driver, and records the outcomes and how fast they
/// came back.
@LoopActor
final class FleetSetpoints {
    struct Command {
        var device: Target
        /// The VPP's share of the device this command is for.
        var allocation: Double
        var requestedW: Double
        /// What this VPP commands of its share, W.
        var targetW: Double
        var note: String
    }

    private let drivers: SetpointRoutes
    private let vpps: VPPSet
    private let ids: DispatchIDs
    private let store: StorePipeline
    private let events: EventLog
    private let members: MemberStates
    private let responses: ResponseWatch
    private let clock: HostClock
    private let parts: DeviceParts
    /// What dispatch last asked of each device (its VPPs' parts), by device
    /// number; NaN: nothing yet.
    private var requested: [Double] = []
    /// Upper bounds on devices' power set by export control at the meter,
    /// and lower bounds set by import caps (a floor wins over a cap: a site
    /// over its import cap needs the discharge more than export room).
    private var caps: [UInt32: Double] = [:]
    private var floors: [UInt32: Double] = [:]
    /// Reference mode for the dispatch benchmark: one call per setpoint, as
    /// a host without batches (or a 1.0 driver) dispatches.
    var oneAtATime = false
    /// Outcomes by interval, for whoever follows an interval (instructions).
    var onOutcomes: (@LoopActor (Int64, [SetpointOutcome]) -> Void)?

    init(drivers: SetpointRoutes, vpps: VPPSet, ids: DispatchIDs, store: StorePipeline,
         events: EventLog, members: MemberStates, parts: DeviceParts, responses: ResponseWatch, clock: HostClock) {
        self.parts = parts
        self.drivers = drivers
        self.vpps = vpps
        self.ids = ids
        self.store = store
        self.events = events
        self.members = members
        self.responses = responses
        self.clock = clock
    }

    /// Records and sends `commands` of `vpp` for interval `intervalID`,
    /// valid until `validUntil`; `decidedNs` starts the interval's timing
    /// (nil: not timed, as for a correction pass).
    func send(_ commands: [Command], vpp: String, intervalID: Int64, validUntil: Int64, decidedNs: UInt64?) {
        let now = clock.nowMs()
        let firstID = ids.nextCommands(commands.count)
        // First the setpoints, per driver, handed over at once: the fleet's
        // speed is decision to hand-off. Per driver in first-seen order; a
        // fleet's members mostly share a driver, so the last group is
        // checked first.
        var groups: [(driver: String, setpoints: [Setpoint])] = [], last = -1
        var values = [Double](repeating: 0, count: commands.count)
        let anyShared = !vpps.shared.isEmpty, anyCaps = !caps.isEmpty, anyFloors = !floors.isEmpty
        for (k, c) in commands.enumerated() {
            let d = c.device
            var value = c.targetW
            if anyShared, vpps.shared[d.number] != nil { value = parts.combine(d.number, vpp: vpp, c.targetW, untilMs: validUntil, nowMs: now) }
            note(requested: value, d.number)
            if anyCaps || anyFloors { value = held(d.number, value) }
            values[k] = value
            if last < 0 || groups[last].driver != d.instance {
                last = groups.firstIndex { $0.driver == d.instance } ?? {
                    groups.append((d.instance, []))
                    groups[groups.count - 1].setpoints.reserveCapacity(commands.count)
                    return groups.count - 1
                }()
            }
            groups[last].setpoints.append(Setpoint(device: Int(d.index), mode: .activePower, commandID: UInt64(firstID + Int64(k)),
                                                   value: value, validFromMs: now, validUntilMs: validUntil))
        }
        let timing = decidedNs.map { IntervalTiming(intervalID: intervalID, decidedNs: $0, drivers: groups.count) }
        for g in groups { hand(g.setpoints, to: g.driver, intervalID: intervalID, timing: timing) }
        // Then the books, while the drivers work: their answers come back
        // through the loop, after this.
        var rows: [CommandRow] = []
        rows.reserveCapacity(commands.count)
        let latest = members.ingestLatest
        for (k, c) in commands.enumerated() {
            let d = c.device, value = values[k]
            rows.append(CommandRow(id: firstID + Int64(k), intervalID: intervalID, device: d.number, requestedW: c.requestedW,
                                   targetW: c.targetW, note: c.note, validFromMs: now, validUntilMs: validUntil))
            members.estimator.commanded(device: d.number, powerW: value,
                                        reading: latest.latest(device: d.number, point: members.socPoint), ratings: d.ratings,
                                        nowMs: now)
            let rating = max(d.ratings.maxChargeW.isFinite ? d.ratings.maxChargeW : 0,
                             d.ratings.maxDischargeW.isFinite ? d.ratings.maxDischargeW : 0)
            responses.arm(d.number, targetW: value, toleranceW: Self.tolerance(ratingW: rating), sentMs: now, untilMs: validUntil)
        }
        store.add { $0.commands += rows }
    }

    /// What a setpoint needs of its device: a slim copy of the descriptor
    /// (one string, not seven), since a fleet's dispatch copies it per member.
    struct Target {
        var number: UInt32
        var index: UInt32
        var instance: String
        var ratings: DeviceRatings

        init(number: UInt32, index: UInt32, instance: String, ratings: DeviceRatings) {
            self.number = number
            self.index = index
            self.instance = instance
            self.ratings = ratings
        }
    }

    /// What dispatch last asked of `device`, before any cap.
    func requestedW(_ device: UInt32) -> Double? {
        let i = Int(device)
        return i < requested.count && !requested[i].isNaN ? requested[i] : nil
    }

    /// `w` as the site controls hold `device` (its cap, then its floor):
    /// what the device is really told when dispatch asks `w`.
    func held(_ device: UInt32, _ w: Double) -> Double {
        var value = w
        if let cap = caps[device] { value = min(value, cap) }
        if let floor = floors[device] { value = max(value, floor) }
        return value
    }

    /// Holds `device` at or below `atMostW` (nil: lifts the cap).
    func cap(_ device: UInt32, atMostW: Double?) { caps[device] = atMostW }

    /// Holds `device` at or above `atLeastW` (nil: lifts the floor).
    func floor(_ device: UInt32, atLeastW: Double?) { floors[device] = atLeastW }

    private func note(requested w: Double, _ device: UInt32) {
        let i = Int(device)
        if i >= requested.count { requested += [Double](repeating: .nan, count: max(i + 1 - requested.count, requested.count)) }
        requested[i] = w
    }

    /// How far from its setpoint a device may run and still count as following.
    static func tolerance(ratingW: Double) -> Double { max(50, 0.05 * ratingW) }

    private func hand(_ requests: [Setpoint], to driver: String, intervalID: Int64, timing: IntervalTiming?) {
        let now = clock.nowMs()
        guard let instance = drivers.target(named: driver) else {
            let why = "driver \(driver) is not running"
            store.add {
                $0.outcomes += requests.map { OutcomeRow(commandID: Int64($0.commandID), outcome: .failed, appliedW: .nan,
                                                          message: why, tMs: now) }
            }
            timing?.answered(handedNs: 0)
            return
        }
        if oneAtATime { return handOneByOne(requests, to: instance, driver: driver, intervalID: intervalID, timing: timing) }
        let handed = HandOffStamp()
        instance.applySetpoints(requests, handed: handed) { [self] results in
            outcomes(results, for: requests, driver: driver, intervalID: intervalID)
            if let row = timing?.answered(handedNs: handed.value) { store.add { $0.timings.append(row) } }
        }
    }

    private func handOneByOne(_ requests: [Setpoint], to instance: any SetpointTarget, driver: String, intervalID: Int64,
                              timing: IntervalTiming?) {
        let each = IntervalTiming.Fanout(count: requests.count)
        for r in requests {
            let handed = HandOffStamp()
            instance.applySetpoints([r], handed: handed) { [self] results in
                outcomes(results, for: [r], driver: driver, intervalID: intervalID)
                if each.answered(handedNs: handed.value), let row = timing?.answered(handedNs: each.lastHandedNs) {
                    store.add { $0.timings.append(row) }
                }
            }
        }
    }

    private func outcomes(_ results: [SetpointOutcome]?, for requests: [Setpoint], driver: String, intervalID: Int64) {
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
            onOutcomes?(intervalID, results)
        } else {
            rows = requests.map { OutcomeRow(commandID: Int64($0.commandID), outcome: .failed, appliedW: .nan,
                                             message: "driver \(driver) could not take the call", tMs: now) }
            onOutcomes?(intervalID, requests.map { SetpointOutcome(.failed, applied: .nan, "driver \(driver) could not take the call",
                                                                   commandID: $0.commandID) })
        }
        store.add { $0.outcomes += rows }
    }
}
