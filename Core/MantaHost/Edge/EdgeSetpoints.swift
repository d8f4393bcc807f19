import MantaABI
import MantaJSON
import MantaModel

/// Applies the setpoints a control host sends an edge, with the edge's own
/// safety rules first: the edge, not the control host, is the last word on
/// its devices.
///
/// A setpoint is refused when its device is unknown here, read-only,
/// disabled or not controllable, or when its validity ended before it
/// arrived. Active power passes the site's controls (export limits and
/// import caps this edge enforces, FleetSetpoints.held). The driver gets the
/// validity end, so a device holds once it passes with nothing newer. Every
/// setpoint is a control_commands row here (source `control`), with its
/// outcome.
@LoopActor
final class EdgeSetpoints {
    private let registry: DeviceRegistry
    private let drivers: SetpointRoutes
    private let held: FleetSetpoints
    private let ids: DispatchIDs
    private let store: StorePipeline
    private let events: EventLog
    private let clock: HostClock

    init(registry: DeviceRegistry, drivers: SetpointRoutes, held: FleetSetpoints, ids: DispatchIDs, store: StorePipeline,
         events: EventLog, clock: HostClock) {
        self.registry = registry
        self.drivers = drivers
        self.held = held
        self.ids = ids
        self.store = store
        self.events = events
        self.clock = clock
    }

    /// Applies the setpoints of message `o`; `done` gets every outcome, by
    /// the control host's command ids, once all drivers have answered.
    func apply(_ o: JSONObject, done: @escaping @LoopActor @Sendable (_ outcomes: [SetpointOutcome]) -> Void) {
        let now = clock.nowMs()
        let list: [Result<EdgeWire.RemoteSetpoint, EdgeWire.Refusal>]
        do { list = try EdgeWire.setpoints(o) } catch {
            return events.record(.warning, source: "edge", kind: "edge.setpoints", "setpoints message refused: \(error)")
        }
        var outcomes: [SetpointOutcome] = []
        var groups: [String: [(Setpoint, ControlRow)]] = [:]
        var firstID = ids.nextCommands(list.count)
        for entry in list {
            let r: EdgeWire.RemoteSetpoint
            switch entry {
            case .failure(let refusal):
                if refusal.commandID > 0 {
                    outcomes.append(SetpointOutcome(.rejected, applied: .nan, refusal.why, commandID: refusal.commandID))
                }
                continue
            case .success(let ok): r = ok
            }
            let remoteID = r.setpoint.commandID
            func refuse(_ why: String) { outcomes.append(SetpointOutcome(.rejected, applied: .nan, why, commandID: remoteID)) }
            guard let d = registry.device(id: r.device) else { refuse("no device \(r.device) on this edge"); continue }
            if d.readOnly { refuse("read-only device: never written"); continue }
            if !d.enabled { refuse("device disabled in the edge's config"); continue }
            if !d.controllable { refuse("device takes no setpoints"); continue }
            if r.setpoint.validUntilMs <= now {
                refuse("expired at \(r.setpoint.validUntilMs) before it reached the edge (edge clock \(now))")
                continue
            }
            var s = r.setpoint
            s.device = Int(d.index)
            if s.mode == .activePower { s.value = held.held(d.number, s.value) }
            let row = ControlRow(id: firstID, tMs: now, device: d.number, mode: s.mode, valueW: s.value,
                                 source: "control:\(remoteID)", validUntilMs: s.validUntilMs)
            firstID += 1
            groups[d.instance, default: []].append((s, row))
        }
        guard !groups.isEmpty else { return done(outcomes) }
        let gather = Gather(outcomes, waiting: groups.count, done: done)
        for (driver, batch) in groups.sorted(by: { $0.key < $1.key }) {
            let finish: @LoopActor @Sendable ([SetpointOutcome]?) -> Void = { [store] results in
                var rows = batch.map(\.1)
                for k in rows.indices {
                    let local = results.flatMap { k < $0.count ? $0[k] : nil }
                        ?? SetpointOutcome(.failed, applied: .nan, "driver \(driver) is not running")
                    rows[k].outcome = local.outcome
                    rows[k].appliedW = local.appliedValue
                    rows[k].message = local.message
                    gather.outcomes.append(SetpointOutcome(local.outcome, applied: local.appliedValue, local.message,
                                                           commandID: batch[k].0.commandID))
                }
                store.add { $0.controls += rows }
                gather.answered()
            }
            guard let target = drivers.target(named: driver) else { finish(nil); continue }
            target.applySetpoints(batch.map(\.0), handed: nil, done: finish)
        }
    }

    /// The outcomes of one message, gathered as its drivers answer.
    @LoopActor
    private final class Gather {
        var outcomes: [SetpointOutcome]
        private var waiting: Int
        private let done: @LoopActor @Sendable ([SetpointOutcome]) -> Void

        init(_ outcomes: [SetpointOutcome], waiting: Int, done: @escaping @LoopActor @Sendable ([SetpointOutcome]) -> Void) {
            self.outcomes = outcomes
            self.waiting = waiting
            self.done = done
        }

        func answered() {
            waiting -= 1
            if waiting == 0 { done(outcomes) }
        }
    }
}
