import MantaABI
import MantaSDK

/// Calls into "manta.driver/1". Run on the instance's worker only.
///
/// The host's structs carry the host's struct_size; the driver's table is
/// the host's copy (ModuleLoader), so apply_setpoints reads as NULL for a
/// driver whose table predates ABI 1.1.
enum DriverCalls {
    static func table(_ m: LoadedModule) -> UnsafePointer<manta_driver_t> {
        m.kindTable.assumingMemoryBound(to: manta_driver_t.self)
    }

    /// Every device the instance serves, in the driver's order (a device's
    /// index is its position), each read or refused for an unknown kind; or
    /// the reason the driver could not say.
    static func describe(_ m: LoadedModule, _ h: OpaquePointer)
        -> Result<[Result<DeviceInfo, UnknownDeviceKind>], PluginCallError>
    {
        let t = table(m).pointee
        let count = t.device_count(h)
        var out: [Result<DeviceInfo, UnknownDeviceKind>] = []
        out.reserveCapacity(Int(count))
        for i in 0..<count {
            // Zeroed and sized as the host knows it: a driver of an older
            // minor fills the fields it knows; the rest stay 0.
            var info = manta_device_info_t()
            info.struct_size = ABIGrowth.size(of: manta_device_info_t.self)
            let rc = t.device_info(h, i, &info)
            guard rc == MANTA_OK else {
                return .failure(PluginCallError("device_info(\(i)) returned \(StatusCode.name(rc))"))
            }
            out.append(DeviceInfo.read(info))
        }
        return .success(out)
    }

    /// Whether the driver takes setpoints in batches: its table is large
    /// enough to hold apply_setpoints (MANTA_HAS_FIELD) and it is not NULL.
    static func hasBatch(_ m: LoadedModule) -> Bool {
        ABIGrowth.hasField(m.kindTableSize, \manta_driver_t.apply_setpoints) && table(m).pointee.apply_setpoints != nil
    }

    /// Applies `setpoints`: in one apply_setpoints call when the driver has
    /// it, else one apply_setpoint each. A failed call is an outcome, not an
    /// abort, so one bad device does not hold up the rest.
    static func apply(_ m: LoadedModule, _ h: OpaquePointer, _ setpoints: [Setpoint]) -> [SetpointOutcome] {
        guard !setpoints.isEmpty else { return [] }
        var cs = setpoints.map(\.c)
        var results = [manta_setpoint_result_t](repeating: emptyResult, count: setpoints.count)
        let t = table(m).pointee
        if hasBatch(m) {
            let rc = cs.withUnsafeBufferPointer { sp in
                results.withUnsafeMutableBufferPointer { res in
                    t.apply_setpoints(h, sp.baseAddress, UInt32(sp.count), UInt32(MemoryLayout<manta_setpoint_t>.stride),
                                      res.baseAddress, UInt32(MemoryLayout<manta_setpoint_result_t>.stride))
                }
            }
            // On an error, results the driver did fill (outcome set) stand.
            let failure = rc == MANTA_OK ? nil : "apply_setpoints returned \(StatusCode.name(rc))"
            return zip(setpoints, results).map { s, res in
                guard res.outcome != 0 else {
                    return SetpointOutcome(.failed, applied: .nan, failure ?? "apply_setpoints left this result unfilled",
                                           commandID: s.commandID)
                }
                return SetpointOutcome(res, commandID: s.commandID)
            }
        }
        return setpoints.indices.map { i in
            let rc = t.apply_setpoint(h, &cs[i], &results[i])
            guard rc == MANTA_OK else {
                return SetpointOutcome(.failed, applied: .nan, "apply_setpoint returned \(StatusCode.name(rc))",
                                       commandID: setpoints[i].commandID)
            }
            return SetpointOutcome(results[i], commandID: setpoints[i].commandID)
        }
    }

    /// Zeroed, with the host's struct_size: the driver writes within it.
    private static let emptyResult: manta_setpoint_result_t = {
        var res = manta_setpoint_result_t()
        res.struct_size = ABIGrowth.size(of: manta_setpoint_result_t.self)
        return res
    }()
}

/// A plugin call that did not produce a usable answer.
public struct PluginCallError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
