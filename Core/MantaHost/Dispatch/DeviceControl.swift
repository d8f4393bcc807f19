import MantaABI
import MantaIO
import MantaModel
import MantaSDK
import MantaText

/// Setpoints outside the dispatch cycle: an operator's devices.control and
/// the export limits the host keeps on sites. Each is a row in
/// control_commands with its outcome.
@LoopActor
final class DeviceControl {
    private let drivers: SetpointRoutes
    private let ids: DispatchIDs
    private let store: StorePipeline
    private let events: EventLog
    private let clock: HostClock

    init(drivers: SetpointRoutes, ids: DispatchIDs, store: StorePipeline, events: EventLog, clock: HostClock) {
        self.drivers = drivers
        self.ids = ids
        self.store = store
        self.events = events
        self.clock = clock
    }

    /// Sends one setpoint to `device`'s driver, records it (and its
    /// outcome), and calls `done` on the loop with the outcome. A read-only
    /// device is never written: refused here, logged and recorded, without
    /// a call to its driver.
    func send(_ device: DeviceDescriptor, mode: SetpointMode, value: Double, validForMs: Int64, source: String,
              done: @escaping @LoopActor @Sendable (SetpointOutcome) -> Void) {
        let now = clock.nowMs()
        let id = ids.nextCommand()
        let row = ControlRow(id: id, tMs: now, device: device.number, mode: mode, valueW: value, source: source,
                             validUntilMs: now + validForMs)
        let finish: @LoopActor @Sendable (SetpointOutcome) -> Void = { [self] r in
            var final = row
            final.outcome = r.outcome
            final.appliedW = r.appliedValue
            final.message = r.message
            store.add { $0.controls.append(final) }
            if r.outcome.refusedOrFailed {
                events.record(.warning, source: device.id, kind: "control.\(r.outcome.name)",
                              "\(mode.name) \(NumberText.rounded(value, 0)) W from \(source): \(r.message)")
            }
            done(r)
        }
        if device.readOnly {
            return finish(SetpointOutcome(.rejected, applied: .nan, "read-only device: never written", commandID: UInt64(id)))
        }
        if !device.enabled {
            return finish(SetpointOutcome(.rejected, applied: .nan, "device disabled in the host config",
                                          commandID: UInt64(id)))
        }
        guard let instance = drivers.target(named: device.instance) else {
            return finish(SetpointOutcome(.failed, applied: .nan, "driver \(device.instance) is not running",
                                          commandID: UInt64(id)))
        }
        store.add { $0.controls.append(row) }
        let request = Setpoint(device: Int(device.index), mode: mode, commandID: UInt64(id), value: value,
                               validFromMs: now, validUntilMs: now + validForMs)
        instance.applySetpoints([request], handed: nil) { results in
            finish(results?.first ?? SetpointOutcome(.failed, applied: .nan, "driver \(device.instance) could not take the call",
                                                    commandID: UInt64(id)))
        }
    }
}
