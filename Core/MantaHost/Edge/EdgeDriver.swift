import MantaABI
import MantaIO
import MantaJSON

/// One edge driver instance as a control host's setpoint target: setpoints
/// go out on the edge's `setpoints` topic by device id there
/// (`instance/key`), and their outcomes come back on `outcomes`.
@LoopActor
final class EdgeDriver: SetpointTarget {
    let edge: String
    let instance: String
    /// This host's plugin-table index for `<edge>/<instance>`.
    let index: Int
    private unowned let links: EdgeLinks

    init(edge: String, instance: String, index: Int, links: EdgeLinks) {
        self.edge = edge
        self.instance = instance
        self.index = index
        self.links = links
    }

    var takesSetpoints: Bool { links.connected && links.links[edge]?.state == .online }

    func applySetpoints(_ setpoints: [Setpoint], handed: HandOffStamp?,
                        done: @escaping @LoopActor @Sendable ([SetpointOutcome]?) -> Void) {
        let registry = links.wiring.registry
        var out: [EdgeWire.RemoteSetpoint] = []
        for s in setpoints {
            guard let d = registry.device(instance: index, index: UInt32(s.device)) else { return done(nil) }
            out.append(EdgeWire.RemoteSetpoint(device: "\(instance)/\(d.key)", setpoint: s))
        }
        handed?.mark()
        guard links.publish(edge, .setpoints, EdgeWire.setpointsPayload(out)) else { return done(nil) }
        links.pending.wait(edge: edge, ids: setpoints.map(\.commandID), done: done)
    }
}

/// Setpoint messages sent to edges and not yet answered, by command id.
@LoopActor
final class EdgeAnswers {
    private final class Waiting {
        let edge: String
        let ids: [UInt64]
        var answers: [UInt64: SetpointOutcome] = [:]
        let sentWallMs = WallClock.nowMs()
        let done: @LoopActor @Sendable ([SetpointOutcome]?) -> Void
        init(edge: String, ids: [UInt64], done: @escaping @LoopActor @Sendable ([SetpointOutcome]?) -> Void) {
            self.edge = edge
            self.ids = ids
            self.done = done
        }
    }

    private var byID: [UInt64: Waiting] = [:]
    private var all: [ObjectIdentifier: Waiting] = [:]

    var count: Int { all.count }

    func wait(edge: String, ids: [UInt64], done: @escaping @LoopActor @Sendable ([SetpointOutcome]?) -> Void) {
        let w = Waiting(edge: edge, ids: ids, done: done)
        all[ObjectIdentifier(w)] = w
        for id in ids { byID[id] = w }
    }

    /// Outcomes from an edge; a message whose every setpoint is answered is done.
    func answer(_ outcomes: [SetpointOutcome]) {
        for o in outcomes {
            guard let w = byID.removeValue(forKey: o.commandID) else { continue }
            w.answers[o.commandID] = o
            if w.answers.count == w.ids.count { finish(w, nil) }
        }
    }

    func expire(olderThanMs limit: Int64) {
        let now = WallClock.nowMs()
        for w in all.values where now - w.sentWallMs > limit {
            finish(w, "edge \(w.edge) did not answer within \(limit / 1000) s")
        }
    }

    func fail(edge: String, _ why: String) {
        for w in all.values where w.edge == edge { finish(w, why) }
    }

    func failAll(_ why: String) {
        for w in all.values { finish(w, why) }
    }

    /// Answers `w`'s caller: every outcome in order, the unanswered as failed with `why`.
    private func finish(_ w: Waiting, _ why: String?) {
        guard all.removeValue(forKey: ObjectIdentifier(w)) != nil else { return }
        for id in w.ids { byID.removeValue(forKey: id) }
        w.done(w.ids.map { id in
            w.answers[id] ?? SetpointOutcome(.failed, applied: .nan, why ?? "no answer", commandID: id)
        })
    }
}
