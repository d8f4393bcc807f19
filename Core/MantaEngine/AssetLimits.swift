/// What the host knows of a controllable asset when it checks a decision.
public struct AssetLimits: Sendable, Equatable {
    public var maxChargeW: Double
    public var maxDischargeW: Double
    public var capacityWh: Double
    public var socMin: Double
    public var socMax: Double
    public var roundTripEfficiency: Double
    /// Latest usable state of charge, or nil when unknown or stale.
    public var soc: Double?

    public init(maxChargeW: Double, maxDischargeW: Double, capacityWh: Double, socMin: Double, socMax: Double,
                roundTripEfficiency: Double, soc: Double?) {
        self.maxChargeW = maxChargeW
        self.maxDischargeW = maxDischargeW
        self.capacityWh = capacityWh
        self.socMin = socMin
        self.socMax = socMax
        self.roundTripEfficiency = roundTripEfficiency
        self.soc = soc
    }

    /// Makes a requested target safe: finite, within the power ratings, and
    /// within what the state of charge can sustain for `hours`. Returns the
    /// value to send and, when it differs from the request, why.
    public func enforce(_ targetW: Double, hours: Double) -> (valueW: Double, note: String?) {
        guard targetW.isFinite else { return (0, "target not finite: hold") }
        if targetW == 0 { return (0, nil) }
        guard let soc, soc.isFinite else { return (0, "state of charge unknown or stale: hold") }
        let spec = BatterySpec(
            capacityWh: capacityWh, maxChargeW: maxChargeW, maxDischargeW: maxDischargeW,
            roundTripEfficiency: roundTripEfficiency.isFinite ? roundTripEfficiency : 1,
            socMin: socMin, socMax: socMax)
        let energy = soc * capacityWh
        if targetW > 0 {
            let limit = spec.dischargeHeadroomW(energyWh: energy, hours: hours)
            return targetW > limit ? (limit, "discharge limited to \(Int(limit.rounded())) W by rating/SOC") : (targetW, nil)
        }
        let limit = spec.chargeHeadroomW(energyWh: energy, hours: hours)
        return -targetW > limit ? (-limit, "charge limited to \(Int(limit.rounded())) W by rating/SOC") : (targetW, nil)
    }
}
