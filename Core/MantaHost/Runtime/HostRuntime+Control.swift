import MantaIO
import MantaModel
import MantaSDK

/// Setpoints outside the dispatch cycle: an operator's devices.control and
/// the export limits the host keeps on sites.
extension HostRuntime {
    /// [loop] Sends one setpoint to `device`'s driver, records it (and its
    /// outcome) in control_commands, and calls `done` on the loop with the
    /// outcome. A read-only device is never written: refused here, logged
    /// and recorded, without a call to its driver.
    func control(_ device: DeviceDescriptor, mode: Int32, value: Double, validForMs: Int64, source: String,
                 done: @escaping (SetpointResult) -> Void) {
        let now = state.now()
        let id = state.nextCommandID
        state.nextCommandID += 1
        let modeName = mode == MANTA_SETPOINT_EXPORT_LIMIT ? "export_limit" : "active_power"
        var row = ControlRow(id: id, tMs: now, device: device.number, mode: modeName, valueW: value, source: source,
                             validUntilMs: now + validForMs)
        func finish(_ r: SetpointResult) {
            row.outcome = r.outcome
            row.appliedW = r.appliedValue
            row.message = r.message
            let final = row
            state.pipeline.add { $0.controls.append(final) }
            if r.outcome == "rejected" || r.outcome == "failed" {
                state.events.record("warning", source: device.id, kind: "control.\(r.outcome)",
                                    "\(modeName) \(Int(value.rounded())) W from \(source): \(r.message)", atMs: state.now())
            }
            done(r)
        }
        if device.readOnly {
            return finish(SetpointResult(commandID: UInt64(id), outcome: "rejected", appliedValue: .nan,
                                         message: "read-only device: never written"))
        }
        if !device.enabled {
            return finish(SetpointResult(commandID: UInt64(id), outcome: "rejected", appliedValue: .nan,
                                         message: "device disabled in the host config"))
        }
        guard let instance = state.instance(named: device.instance), instance.state == .started else {
            return finish(SetpointResult(commandID: UInt64(id), outcome: "failed", appliedValue: .nan,
                                         message: "driver \(device.instance) is not running"))
        }
        let pending = row
        state.pipeline.add { $0.controls.append(pending) }
        let request = SetpointRequest(commandID: UInt64(id), deviceIndex: device.index, mode: mode, value: value,
                                      validFromMs: now, validUntilMs: now + validForMs)
        let module = instance.module, loop = state.loop, box = UncheckedSendable(finish)
        instance.perform({ h in DriverCalls.apply(module, h, [request]) }) { results in
            loop.execute {
                box.value(results?.first ?? SetpointResult(commandID: UInt64(id), outcome: "failed", appliedValue: .nan,
                                                           message: "driver \(device.instance) could not take the call"))
            }
        }
    }
}
