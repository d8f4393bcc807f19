import MantaABI
import MantaIO

/// Operator instructions (dispatch.submit): "VPP x, target_w from start for
/// duration". While one is in its window it overrides the VPP's strategy;
/// the dispatch cycle splits its target over the members. Each is stored
/// when submitted and at every change of state.
@LoopActor
final class FleetInstructions {
    enum State: String, Sendable { case pending, active, done, cancelled }

    final class Instruction {
        let id: Int64
        let vpp: String
        let targetW: Double
        let startMs: Int64
        let endMs: Int64
        let reason: String
        let principal: String
        let createdMs: Int64
        var cancelled = false
        /// The last fleet power measured in its window, and when.
        var actualW: Double?
        /// Setpoint outcomes of the intervals that followed it, by outcome name.
        var outcomes: [String: Int] = [:]
        var lastState: State = .pending

        init(id: Int64, vpp: String, targetW: Double, startMs: Int64, endMs: Int64, reason: String, principal: String,
             createdMs: Int64) {
            self.id = id
            self.vpp = vpp
            self.targetW = targetW
            self.startMs = startMs
            self.endMs = endMs
            self.reason = reason
            self.principal = principal
            self.createdMs = createdMs
        }

        func state(at now: Int64) -> State {
            cancelled ? .cancelled : now < startMs ? .pending : now < endMs ? .active : .done
        }
    }

    private var all: [Int64: Instruction] = [:]
    private var nextID: Int64
    private let store: StorePipeline
    /// Instructions kept in memory; the oldest finished ones go first.
    static let kept = 10_000

    init(lastID: Int64, store: StorePipeline) {
        nextID = lastID + 1
        self.store = store
    }

    func instruction(_ id: Int64) -> Instruction? { all[id] }

    /// Records a new instruction; the cycle acts on it from `startMs`.
    func submit(vpp: String, targetW: Double, startMs: Int64, endMs: Int64, reason: String, principal: String, nowMs: Int64)
        -> Instruction
    {
        let i = Instruction(id: nextID, vpp: vpp, targetW: targetW, startMs: startMs, endMs: endMs, reason: reason,
                            principal: principal, createdMs: nowMs)
        nextID += 1
        all[i.id] = i
        i.lastState = i.state(at: nowMs)
        save(i, nowMs: nowMs)
        if all.count > Self.kept, let oldest = all.values.filter({ $0.state(at: nowMs) == .done || $0.cancelled })
            .min(by: { $0.id < $1.id }) {
            all[oldest.id] = nil
        }
        return i
    }

    func cancel(_ i: Instruction, nowMs: Int64) {
        i.cancelled = true
        saveIfChanged(i, nowMs: nowMs)
    }

    /// The instruction in force for `vpp` at `now`: of those whose window
    /// holds it, the one submitted last.
    func current(vpp: String, nowMs now: Int64) -> Instruction? {
        var best: Instruction?
        for i in all.values where i.vpp == vpp && !i.cancelled && i.startMs <= now && now < i.endMs {
            if i.id > (best?.id ?? 0) { best = i }
        }
        return best
    }

    /// Stores instructions whose state moved on (pending -> active -> done).
    func sweep(nowMs: Int64) {
        for i in all.values { saveIfChanged(i, nowMs: nowMs) }
    }

    private func saveIfChanged(_ i: Instruction, nowMs: Int64) {
        let s = i.state(at: nowMs)
        guard s != i.lastState else { return }
        i.lastState = s
        save(i, nowMs: nowMs)
    }

    private func save(_ i: Instruction, nowMs: Int64) {
        let row = InstructionRow(id: i.id, vpp: i.vpp, targetW: i.targetW, startMs: i.startMs, endMs: i.endMs, reason: i.reason,
                                 principal: i.principal, createdMs: i.createdMs, state: i.state(at: nowMs).rawValue,
                                 actualW: i.actualW, deviationW: i.actualW.map { $0 - i.targetW })
        store.add { $0.instructions.append(row) }
    }
}
