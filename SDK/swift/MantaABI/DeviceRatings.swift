/// Power and energy limits of a device. Powers are magnitudes in W; NaN
/// means "not stated by the driver".
public struct DeviceRatings: Sendable, Equatable {
    public var ratedPowerW: Double
    public var maxChargeW: Double
    public var maxDischargeW: Double
    public var capacityWh: Double
    public var socMin: Double
    public var socMax: Double
    public var roundTripEfficiency: Double

    public init(
        ratedPowerW: Double = .nan, maxChargeW: Double = 0, maxDischargeW: Double = 0,
        capacityWh: Double = .nan, socMin: Double = 0, socMax: Double = 1, roundTripEfficiency: Double = .nan
    ) {
        self.ratedPowerW = ratedPowerW
        self.maxChargeW = maxChargeW
        self.maxDischargeW = maxDischargeW
        self.capacityWh = capacityWh
        self.socMin = socMin
        self.socMax = socMax
        self.roundTripEfficiency = roundTripEfficiency
    }

    /// The largest power the device can carry in either direction, or NaN
    /// when no rating is known. Bounds the plausibility of power samples.
    public var largestPowerW: Double {
        let known = [ratedPowerW, maxChargeW, maxDischargeW].filter { $0.isFinite && $0 > 0 }
        return known.max() ?? .nan
    }

    /// These ratings held to `limit`'s where it is stricter: smaller powers,
    /// a narrower SOC band. An operator's limit never loosens a device's own.
    public func tightened(by limit: DeviceRatings) -> DeviceRatings {
        var r = self
        if limit.maxChargeW.isFinite { r.maxChargeW = min(r.maxChargeW, limit.maxChargeW) }
        if limit.maxDischargeW.isFinite { r.maxDischargeW = min(r.maxDischargeW, limit.maxDischargeW) }
        if limit.socMin.isFinite { r.socMin = max(r.socMin, limit.socMin) }
        if limit.socMax.isFinite { r.socMax = min(r.socMax, limit.socMax) }
        return r
    }

    /// Problems that make the ratings unusable, phrased for a log line.
    public func problems() -> [String] {
        var out: [String] = []
        for (name, v) in [("max_charge_w", maxChargeW), ("max_discharge_w", maxDischargeW)] where !(v >= 0) {
            out.append("\(name) must be >= 0, got \(v)")
        }
        if !(socMin >= 0 && socMax <= 1 && socMin <= socMax) {
            out.append("soc_min/soc_max must satisfy 0 <= soc_min <= soc_max <= 1, got \(socMin)/\(socMax)")
        }
        if capacityWh.isFinite && capacityWh <= 0 { out.append("capacity_wh must be > 0, got \(capacityWh)") }
        return out
    }
}
