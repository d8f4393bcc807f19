import MantaABI
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
        // Written up to the host's struct_size only: a host of an older minor
        // has a smaller struct than this kit's.
        ABIGrowth.write(d.device(at: Int(index)).c(lending: box.lend), to: out)
        return MANTA_OK
    }

    /// The host's setpoint at `p`: nil when it is smaller than ABI 1.0's,
    /// the code when its mode is one this kit does not know.
    static func setpoint(_ p: UnsafeRawPointer) -> Result<Setpoint, UnknownCode>? {
        ABIGrowth.read(p, as: manta_setpoint_t.self, minimum: ABIGrowth.Size10.setpoint).map(Setpoint.read)
    }

    /// Fills the host's result at `out` (its struct_size was checked).
    static func fill(_ out: UnsafeMutableRawPointer, _ r: SetpointOutcome) {
        ABIGrowth.write(r.c, to: out)
    }

    /// What the plugin is not asked about: a mode it cannot know is refused here.
    static func refusal(_ e: UnknownCode) -> SetpointOutcome { SetpointOutcome(.rejected, applied: .nan, e.description) }

    static let applySetpoint: @convention(c) (
        OpaquePointer?, UnsafePointer<manta_setpoint_t>?, UnsafeMutablePointer<manta_setpoint_result_t>?
    ) -> Int32 = { handle, sp, out in
        guard let sp, let out, Int(out.pointee.struct_size) >= ABIGrowth.Size10.setpointResult,
              let setpoint = setpoint(sp) else { return MANTA_ERR_INVALID }
        switch setpoint {
        case .success(let s): fill(out, driver(handle).1.apply(s))
        case .failure(let e): fill(out, refusal(e))
        }
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
        // Setpoints of a mode the kit does not know are refused here; the
        // plugin gets the rest, and its outcomes go back to their places.
        var read: [Result<Setpoint, UnknownCode>] = []
        read.reserveCapacity(Int(count))
        for i in 0..<Int(count) {
            guard let s = setpoint(sBase + i * Int(stride)),
                  Int(ABIGrowth.structSize(at: rBase + i * Int(resultStride))) >= ABIGrowth.Size10.setpointResult
            else { return MANTA_ERR_INVALID }
            read.append(s)
        }
        let batch = read.compactMap { try? $0.get() }
        let (box, d) = driver(handle)
        let outcomes = batch.isEmpty ? [] : d.apply(batch)
        guard outcomes.count == batch.count else {
            box.host.reportError(.invalid("apply returned \(outcomes.count) outcomes for \(batch.count) setpoints"))
            return MANTA_ERR_INTERNAL
        }
        var next = outcomes.makeIterator()
        for (i, s) in read.enumerated() {
            switch s {
            case .success: fill(rBase + i * Int(resultStride), next.next()!)
            case .failure(let e): fill(rBase + i * Int(resultStride), refusal(e))
            }
        }
        return MANTA_OK
    }
}
