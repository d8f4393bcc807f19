import MantaABI
import MantaModel

/// What the host knows of a controllable asset when it checks a decision:
/// its ratings and its latest usable state of charge.
public struct AssetLimits: Sendable, Equatable {
    public var ratings: DeviceRatings
    /// Latest usable state of charge, or nil when unknown or stale.
    public var soc: Double?

    public init(ratings: DeviceRatings, soc: Double?) {
        self.ratings = ratings
        self.soc = soc
    }

    /// The battery physics these ratings describe (an unknown round-trip
    /// efficiency counts as lossless: the conservative choice for limits).
    public var spec: BatterySpec {
        BatterySpec(capacityWh: ratings.capacityWh, maxChargeW: ratings.maxChargeW, maxDischargeW: ratings.maxDischargeW,
                    roundTripEfficiency: ratings.roundTripEfficiency.isFinite ? ratings.roundTripEfficiency : 1,
                    socMin: ratings.socMin, socMax: ratings.socMax)
    }

    /// Makes a requested target safe: finite, within the power ratings, and
    /// within what the state of charge can sustain for `hours`. Returns the
    /// value to send and, when it differs from the request, why.
    public func enforce(_ targetW: Double, hours: Double) -> (valueW: Double, note: String?) {
        guard targetW.isFinite else { return (0, "target not finite: hold") }
        if targetW == 0 { return (0, nil) }
        guard let soc, soc.isFinite else { return (0, "state of charge unknown or stale: hold") }
        let energy = soc * ratings.capacityWh
        if targetW > 0 {
            let limit = spec.dischargeHeadroomW(energyWh: energy, hours: hours)
            return targetW > limit ? (limit, "discharge limited to \(Int(limit.rounded())) W by rating/SOC") : (targetW, nil)
        }
        let limit = spec.chargeHeadroomW(energyWh: energy, hours: hours)
        return -targetW > limit ? (-limit, "charge limited to \(Int(limit.rounded())) W by rating/SOC") : (targetW, nil)
    }
}
