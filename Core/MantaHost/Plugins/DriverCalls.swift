import MantaKit
import MantaModel
import MantaSDK

/// A device as a driver described it, before the host numbers it.
public struct DescribedDevice: Sendable, Equatable {
    public var index: UInt32
    public var kindCode: Int32
    public var key, site, manufacturer, model, serial: String
    public var ratings: DeviceRatings
    public var flags: UInt32
}

/// A setpoint on its way to a driver.
public struct SetpointRequest: Sendable {
    public var commandID: UInt64
    public var deviceIndex: UInt32
    public var mode: Int32
    public var value: Double
    public var validFromMs: Int64
    public var validUntilMs: Int64
}

/// A driver's answer to one setpoint.
public struct SetpointResult: Sendable, Equatable {
    public var commandID: UInt64
    /// "applied", "clamped", "rejected" or "failed".
    public var outcome: String
    public var appliedValue: Double
    public var message: String
}

/// Calls into "manta.driver/1". Run on the instance's worker only.
///
/// The host's structs carry the host's struct_size; the driver's table is
/// the host's copy (ModuleLoader), so apply_setpoints reads as NULL for a
/// driver whose table predates ABI 1.1.
enum DriverCalls {
    static func table(_ m: LoadedModule) -> UnsafePointer<manta_driver_t> {
        m.kindTable.assumingMemoryBound(to: manta_driver_t.self)
    }

    /// Every device the instance serves, or the reason it could not say.
    static func describe(_ m: LoadedModule, _ h: OpaquePointer) -> Result<[DescribedDevice], PluginCallError> {
        let t = table(m).pointee
        let count = t.device_count(h)
        var out: [DescribedDevice] = []
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
            out.append(DescribedDevice(
                index: i, kindCode: info.kind, key: String(manta: info.key), site: String(manta: info.site),
                manufacturer: String(manta: info.manufacturer), model: String(manta: info.model),
                serial: String(manta: info.serial),
                ratings: DeviceRatings(
                    ratedPowerW: info.rated_power_w, maxChargeW: info.max_charge_w, maxDischargeW: info.max_discharge_w,
                    capacityWh: info.capacity_wh, socMin: info.soc_min, socMax: info.soc_max,
                    roundTripEfficiency: info.round_trip_efficiency),
                flags: info.flags))
        }
        return .success(out)
    }

    static func outcomeName(_ code: Int32) -> String {
        switch code {
        case MANTA_OUTCOME_APPLIED: return "applied"
        case MANTA_OUTCOME_CLAMPED: return "clamped"
        case MANTA_OUTCOME_REJECTED: return "rejected"
        case MANTA_OUTCOME_FAILED: return "failed"
        default: return "failed"
        }
    }

    /// Whether the driver takes setpoints in batches: its table is large
    /// enough to hold apply_setpoints (MANTA_HAS_FIELD) and it is not NULL.
    static func hasBatch(_ m: LoadedModule) -> Bool {
        ABIGrowth.hasField(m.kindTableSize, \manta_driver_t.apply_setpoints) && table(m).pointee.apply_setpoints != nil
    }

    /// Applies `requests`: in one apply_setpoints call when the driver has
    /// it, else one apply_setpoint each. A failed call is an outcome, not an
    /// abort, so one bad device does not hold up the rest.
    static func apply(_ m: LoadedModule, _ h: OpaquePointer, _ requests: [SetpointRequest]) -> [SetpointResult] {
        guard !requests.isEmpty else { return [] }
        var setpoints = requests.map(setpoint)
        var results = [manta_setpoint_result_t](repeating: emptyResult, count: requests.count)
        let t = table(m).pointee
        if hasBatch(m) {
            let rc = setpoints.withUnsafeBufferPointer { sp in
                results.withUnsafeMutableBufferPointer { res in
                    t.apply_setpoints(h, sp.baseAddress, UInt32(sp.count), UInt32(MemoryLayout<manta_setpoint_t>.stride),
                                      res.baseAddress, UInt32(MemoryLayout<manta_setpoint_result_t>.stride))
                }
            }
            // On an error, results the driver did fill (outcome set) stand.
            let failure = rc == MANTA_OK ? nil : "apply_setpoints returned \(StatusCode.name(rc))"
            return zip(requests, results).map { r, res in
                guard res.outcome != 0 else {
                    return SetpointResult(commandID: r.commandID, outcome: "failed", appliedValue: .nan,
                                          message: failure ?? "apply_setpoints left this result unfilled")
                }
                return result(r, res)
            }
        }
        return requests.indices.map { i in
            let rc = t.apply_setpoint(h, &setpoints[i], &results[i])
            guard rc == MANTA_OK else {
                return SetpointResult(commandID: requests[i].commandID, outcome: "failed", appliedValue: .nan,
                                      message: "apply_setpoint returned \(StatusCode.name(rc))")
            }
            return result(requests[i], results[i])
        }
    }

    private static func setpoint(_ r: SetpointRequest) -> manta_setpoint_t {
        manta_setpoint_t(
            struct_size: ABIGrowth.size(of: manta_setpoint_t.self), device: r.deviceIndex, mode: r.mode,
            reserved0: 0, command_id: r.commandID, value: r.value, valid_from_ms: r.validFromMs,
            valid_until_ms: r.validUntilMs)
    }

    /// Zeroed, with the host's struct_size: the driver writes within it.
    private static let emptyResult: manta_setpoint_result_t = {
        var res = manta_setpoint_result_t()
        res.struct_size = ABIGrowth.size(of: manta_setpoint_result_t.self)
        return res
    }()

    private static func result(_ r: SetpointRequest, _ res: manta_setpoint_result_t) -> SetpointResult {
        let message = withUnsafeBytes(of: res.message) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        return SetpointResult(commandID: r.commandID, outcome: outcomeName(res.outcome),
                              appliedValue: res.applied_value, message: message)
    }
}

/// A plugin call that did not produce a usable answer.
public struct PluginCallError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
