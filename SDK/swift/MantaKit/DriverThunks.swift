import MantaSDK

/// The "manta.driver/1" table for a DriverPlugin.
enum DriverThunks {
    nonisolated(unsafe) static let table: UnsafeMutablePointer<manta_driver_t> = {
        let t = UnsafeMutablePointer<manta_driver_t>.allocate(capacity: 1)
        t.initialize(to: manta_driver_t(
            struct_size: UInt32(MemoryLayout<manta_driver_t>.size), reserved0: 0,
            device_count: deviceCount, device_info: deviceInfo, apply_setpoint: applySetpoint))
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
        // Every field here exists since ABI 1.0, so a host struct at least
        // that large takes them all; fields added later must be guarded with
        // their offset against out.struct_size.
        guard let out, Int(out.pointee.struct_size) >= MemoryLayout<manta_device_info_t>.size else {
            return MANTA_ERR_INVALID
        }
        guard Int(index) < d.deviceCount else { return MANTA_ERR_INVALID }
        box.releaseLent()
        let info = d.device(at: Int(index))
        var flags: UInt32 = 0
        if info.controllable { flags |= MANTA_DEVICE_F_CONTROLLABLE }
        if info.readOnly { flags |= MANTA_DEVICE_F_READ_ONLY }
        let size = out.pointee.struct_size
        out.pointee = manta_device_info_t(
            struct_size: size, kind: info.kind, key: box.lend(info.key), site: box.lend(info.site),
            manufacturer: box.lend(info.manufacturer), model: box.lend(info.model), serial: box.lend(info.serial),
            rated_power_w: info.ratedPowerW, max_charge_w: info.maxChargeW, max_discharge_w: info.maxDischargeW,
            capacity_wh: info.capacityWh, soc_min: info.socMin, soc_max: info.socMax,
            round_trip_efficiency: info.roundTripEfficiency, flags: flags, reserved0: 0)
        return MANTA_OK
    }

    static let applySetpoint: @convention(c) (
        OpaquePointer?, UnsafePointer<manta_setpoint_t>?, UnsafeMutablePointer<manta_setpoint_result_t>?
    ) -> Int32 = { handle, sp, out in
        guard let sp, let out, Int(out.pointee.struct_size) >= MemoryLayout<manta_setpoint_result_t>.size else {
            return MANTA_ERR_INVALID
        }
        let result = driver(handle).1.apply(Setpoint(sp.pointee))
        out.pointee.outcome = result.outcome
        out.pointee.applied_value = result.appliedValue
        copyMessage(result.message, into: &out.pointee.message)
        return MANTA_OK
    }
}
