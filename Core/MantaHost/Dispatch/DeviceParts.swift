/// The parts VPPs command of the devices they share. A device in two VPPs
/// is sent the sum of their parts; what it does, less the other VPPs'
/// parts, is what a VPP sees as its own (its share of the measured power).
@LoopActor
final class DeviceParts {
    /// Shared devices only: by device number, each VPP's part (W) and until when it holds.
    private var parts: [UInt32: [String: (w: Double, untilMs: Int64)]] = [:]

    /// Records `vpp`'s part of `device` and returns the device's setpoint:
    /// the sum of every part still valid.
    func combine(_ device: UInt32, vpp: String, _ w: Double, untilMs: Int64, nowMs now: Int64) -> Double {
        var p = parts[device] ?? [:]
        p[vpp] = (w, untilMs)
        p = p.filter { $0.value.untilMs > now }
        parts[device] = p
        return p.values.reduce(0) { $0 + $1.w }
    }

    /// The parts of VPPs other than `vpp` in force on `device` now, W.
    func others(_ device: UInt32, excluding vpp: String, nowMs now: Int64) -> Double {
        guard !parts.isEmpty, let p = parts[device] else { return 0 }
        return p.reduce(0) { $0 + ($1.key != vpp && $1.value.untilMs > now ? $1.value.w : 0) }
    }
}
