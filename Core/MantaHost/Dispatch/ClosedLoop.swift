import MantaEngine
import MantaIO
import MantaModel

/// The dispatch cycle's feedback: once the setpoints of an interval have
/// had time to take effect (`closed_loop_after_ms` of host time), the
/// members' measured power is compared with what each was told. Members
/// off their setpoint are not following; what they fall short by is split
/// again over the members that do follow and have room (one correction
/// pass per dispatch), and the fleet's power and deviation are recorded.
@LoopActor
final class ClosedLoop {
    /// One dispatch being watched.
    struct Watch {
        var vpp: VPPRuntime
        var intervalID: Int64
        var intervalEndMs: Int64
        var sentMs: Int64
        var validUntilMs: Int64
        /// Per member index in the VPP at the time: its share's target, W.
        var targets: [(member: VPPRuntime.Member, targetW: Double)]
        var instruction: FleetInstructions.Instruction?
    }

    /// What one check found.
    struct Finding: Sendable, Equatable {
        var targetW: Double
        var actualW: Double
        var reported: Int
        var following: Int
        var notFollowing: Int
        var corrected: Int
    }

    private let members: MemberStates
    private let setpoints: FleetSetpoints
    private let store: StorePipeline
    private let events: EventLog
    private let clock: HostClock
    private let afterMs: Int64
    private var timers: [String: LoopTimer] = [:]

    init(members: MemberStates, setpoints: FleetSetpoints, store: StorePipeline, events: EventLog, clock: HostClock,
         afterMs: Int64) {
        self.members = members
        self.setpoints = setpoints
        self.store = store
        self.events = events
        self.clock = clock
        self.afterMs = afterMs
    }

    /// Schedules the check of a dispatch, replacing any earlier one of the
    /// same VPP; a dispatch too close to its interval's end is not checked.
    func watch(_ w: Watch) {
        let id = w.vpp.config.id
        timers[id]?.close()
        timers[id] = nil
        let at = w.sentMs + afterMs
        guard at < w.intervalEndMs, !w.targets.isEmpty else { return }
        let t = LoopTimer()
        t.schedule(afterMs: UInt64(max(1, clock.wallMs(forHostMs: afterMs)))) { [unowned self] in
            timers[id]?.close()
            timers[id] = nil
            if !w.vpp.retired { _ = check(w) }
        }
        timers[id] = t
    }

    /// Measures the dispatch and sends the correction pass.
    @discardableResult
    func check(_ w: Watch) -> Finding {
        let now = clock.nowMs()
        var f = Finding(targetW: 0, actualW: 0, reported: 0, following: 0, notFollowing: 0, corrected: 0)
        var followers: [(view: MemberStates.View, targetW: Double)] = []
        var shortfallW = 0.0
        for (m, target) in w.targets {
            f.targetW += target
            guard let v = members.view(m, vpp: w.vpp.config.id, nowMs: now) else { continue }
            guard let p = v.powerW, let t = v.powerMs, t >= w.sentMs else {
                f.actualW += target  // not reported since: counted as told, not corrected
                continue
            }
            let share = p  // the device's power less other VPPs' parts
            f.reported += 1
            f.actualW += share
            let rating = max(v.device.ratings.maxChargeW.isFinite ? v.device.ratings.maxChargeW : 0,
                             v.device.ratings.maxDischargeW.isFinite ? v.device.ratings.maxDischargeW : 0)
            // A member a site control holds (export at the meter, an import
            // cap) follows what it is held to: what it leaves of the target
            // is the site's limit, not a shortfall for others to export into.
            let told = setpoints.held(m.number, target)
            if abs(share - told) <= FleetSetpoints.tolerance(ratingW: rating * m.allocation) {
                f.following += 1
                followers.append((v, target))
            } else {
                f.notFollowing += 1
                shortfallW += target - share
            }
        }
        if f.notFollowing > 0, abs(shortfallW) > FleetSetpoints.tolerance(ratingW: 0), !followers.isEmpty {
            f.corrected = correct(w, followers: followers, shortfallW: shortfallW, now: now)
        }
        w.instruction?.actualW = f.actualW
        let row = LoopCheckRow(intervalID: w.intervalID, actualW: f.actualW, deviationW: f.actualW - f.targetW, corrected: f.corrected)
        store.add { $0.loopChecks.append(row) }
        if f.notFollowing > 0 {
            events.record(.warning, source: w.vpp.config.id, kind: "dispatch.deviation",
                          "\(f.notFollowing) of \(f.reported) reporting members off their setpoints by \(Int(shortfallW.rounded())) W; \(f.corrected) re-dispatched",
                          atMs: now)
        }
        return f
    }

    /// Splits the followers' targets plus the shortfall over the followers
    /// again, SOC-balanced within their headroom; returns setpoints sent.
    private func correct(_ w: Watch, followers: [(view: MemberStates.View, targetW: Double)], shortfallW: Double, now: Int64) -> Int {
        let hours = Double(max(1, w.intervalEndMs - now)) / 3_600_000
        let split = followers.map { $0.view.splitMember(hours: hours) }
        let total = followers.reduce(0) { $0 + $1.targetW } + shortfallW
        let targets = FleetSplit.split(targetW: total, members: split, hours: hours)
        var commands: [FleetSetpoints.Command] = []
        for (f, t) in zip(followers, targets) where abs(t - f.targetW) > 1 {
            commands.append(.init(device: f.view.device, allocation: f.view.member.allocation, requestedW: t, targetW: t,
                                  note: "closed loop: covers members not following"))
        }
        setpoints.send(commands, vpp: w.vpp.config.id, intervalID: w.intervalID, validUntil: w.validUntilMs, decidedNs: nil)
        return commands.count
    }

    func stop() {
        for t in timers.values { t.close() }
        timers = [:]
    }
}
