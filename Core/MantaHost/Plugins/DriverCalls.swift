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
            var info = manta_device_info_t()
            info.struct_size = UInt32(MemoryLayout<manta_device_info_t>.size)
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

    /// Applies setpoints one by one; a failed call is an outcome, not an
    /// abort, so one bad device does not hold up the rest.
    static func apply(_ m: LoadedModule, _ h: OpaquePointer, _ requests: [SetpointRequest]) -> [SetpointResult] {
        let t = table(m).pointee
        return requests.map { r in
            var sp = manta_setpoint_t(
                struct_size: UInt32(MemoryLayout<manta_setpoint_t>.size), device: r.deviceIndex, mode: r.mode,
                reserved0: 0, command_id: r.commandID, value: r.value, valid_from_ms: r.validFromMs,
                valid_until_ms: r.validUntilMs)
            var res = manta_setpoint_result_t()
            res.struct_size = UInt32(MemoryLayout<manta_setpoint_result_t>.size)
            let rc = t.apply_setpoint(h, &sp, &res)
            guard rc == MANTA_OK else {
                return SetpointResult(commandID: r.commandID, outcome: "failed", appliedValue: .nan,
                                      message: "apply_setpoint returned \(StatusCode.name(rc))")
            }
            let message = withUnsafeBytes(of: res.message) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            return SetpointResult(commandID: r.commandID, outcome: outcomeName(res.outcome),
                                  appliedValue: res.applied_value, message: message)
        }
    }
}

/// A plugin call that did not produce a usable answer.
public struct PluginCallError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
