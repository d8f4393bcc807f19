import MantaSDK

/// The "manta.driver/1" table for a DriverPlugin.
///
/// Host structs are read and written as abi.h rule 3 says: at least their
/// 1.0 size, nothing past the struct_size the host set, arrays by their
/// stride.
enum DriverThunks {
    nonisolated(unsafe) static let table: UnsafeMutablePointer<manta_driver_t> = {
        let t = UnsafeMutablePointer<manta_driver_t>.allocate(capacity: 1)
        t.initialize(to: manta_driver_t(
            struct_size: ABIGrowth.size(of: manta_driver_t.self), reserved0: 0,
            device_count: deviceCount, device_info: deviceInfo, apply_setpoint: applySetpoint,
            apply_setpoints: applySetpoints))
        return t
    }()

    static func driver(_ handle: OpaquePointer?) -> (InstanceBox, DriverPlugin) {
        let box = InstanceBox.from(handle)
        return (box, box.plugin as! DriverPlugin)
    }

    static let deviceCount: @convention(c) (OpaquePointer?) -> UInt32 = { handle in
        UInt32(driver(handle).1.deviceCount)
    }

    static let deviceInfo: @convention(c) (OpaquePointer?, UInt32, UnsafeMutablePointer<manta_device_info_t>?) -> Int32 = {
        handle, index, out in
        let (box, d) = driver(handle)
        guard let out, Int(out.pointee.struct_size) >= ABIGrowth.Size10.deviceInfo else { return MANTA_ERR_INVALID }
        guard Int(index) < d.deviceCount else { return MANTA_ERR_INVALID }
        box.releaseLent()
        let info = d.device(at: Int(index))
        var flags: UInt32 = 0
        if info.controllable { flags |= MANTA_DEVICE_F_CONTROLLABLE }
        if info.readOnly { flags |= MANTA_DEVICE_F_READ_ONLY }
        // Written up to the host's struct_size only: a host of an older minor
        // has a smaller struct than this kit's.
        ABIGrowth.write(manta_device_info_t(
            struct_size: 0, kind: info.kind, key: box.lend(info.key), site: box.lend(info.site),
            manufacturer: box.lend(info.manufacturer), model: box.lend(info.model), serial: box.lend(info.serial),
            rated_power_w: info.ratedPowerW, max_charge_w: info.maxChargeW, max_discharge_w: info.maxDischargeW,
            capacity_wh: info.capacityWh, soc_min: info.socMin, soc_max: info.socMax,
            round_trip_efficiency: info.roundTripEfficiency, flags: flags, reserved0: 0), to: out)
        return MANTA_OK
    }

    /// The host's setpoint at `p`, or nil when it is smaller than ABI 1.0's.
    static func setpoint(_ p: UnsafeRawPointer) -> Setpoint? {
        ABIGrowth.read(p, as: manta_setpoint_t.self, minimum: ABIGrowth.Size10.setpoint).map(Setpoint.init)
    }

    /// Fills the host's result at `out` (its struct_size was checked).
    static func fill(_ out: UnsafeMutableRawPointer, _ r: SetpointOutcome) {
        var c = manta_setpoint_result_t()
        c.outcome = r.outcome
        c.applied_value = r.appliedValue
        copyMessage(r.message, into: &c.message)
        ABIGrowth.write(c, to: out)
    }

    static let applySetpoint: @convention(c) (
        OpaquePointer?, UnsafePointer<manta_setpoint_t>?, UnsafeMutablePointer<manta_setpoint_result_t>?
    ) -> Int32 = { handle, sp, out in
        guard let sp, let out, Int(out.pointee.struct_size) >= ABIGrowth.Size10.setpointResult,
              let setpoint = setpoint(sp) else { return MANTA_ERR_INVALID }
        fill(out, driver(handle).1.apply(setpoint))
        return MANTA_OK
    }

    /// ABI 1.1: the whole batch in one call, handed to the plugin as one
    /// array (DriverPlugin.apply(_: [Setpoint]) applies one at a time unless
    /// the plugin does better).
    static let applySetpoints: @convention(c) (
        OpaquePointer?, UnsafePointer<manta_setpoint_t>?, UInt32, UInt32, UnsafeMutablePointer<manta_setpoint_result_t>?, UInt32
    ) -> Int32 = { handle, setpoints, count, stride, results, resultStride in
        guard count > 0 else { return MANTA_OK }
        guard let setpoints, let results, Int(stride) >= ABIGrowth.Size10.setpoint,
              Int(resultStride) >= ABIGrowth.Size10.setpointResult else { return MANTA_ERR_INVALID }
        let sBase = UnsafeRawPointer(setpoints), rBase = UnsafeMutableRawPointer(results)
        var batch: [Setpoint] = []
        batch.reserveCapacity(Int(count))
        for i in 0..<Int(count) {
            guard let s = setpoint(sBase + i * Int(stride)),
                  Int(ABIGrowth.structSize(at: rBase + i * Int(resultStride))) >= ABIGrowth.Size10.setpointResult
            else { return MANTA_ERR_INVALID }
            batch.append(s)
        }
        let (box, d) = driver(handle)
        let outcomes = d.apply(batch)
        guard outcomes.count == batch.count else {
            box.host.reportError(.invalid("apply returned \(outcomes.count) outcomes for \(batch.count) setpoints"))
            return MANTA_ERR_INTERNAL
        }
        for (i, o) in outcomes.enumerated() { fill(rBase + i * Int(resultStride), o) }
        return MANTA_OK
    }
}
