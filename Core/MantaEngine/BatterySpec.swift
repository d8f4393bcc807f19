/// A battery's limits and efficiencies: the physics every simulation,
/// backtest and dispatch check in Manta shares.
///
/// Energy `e` (Wh, in the cells) moves as
///
///     charging at P W for h hours:     e += eta_c * P * h
///     discharging at P W for h hours:  e -= P * h / eta_d
///
/// with P measured at the battery's AC terminals, so eta_c and eta_d carry
/// the conversion losses. Unless given separately each is the square root of
/// the round-trip efficiency. `e` stays within [socMin, socMax] x capacity.
public struct BatterySpec: Sendable, Equatable {
    public var capacityWh: Double
    public var maxChargeW: Double
    public var maxDischargeW: Double
    public var chargeEfficiency: Double
    public var dischargeEfficiency: Double
    public var socMin: Double
    public var socMax: Double

    public init(
        capacityWh: Double, maxChargeW: Double, maxDischargeW: Double, roundTripEfficiency: Double = 0.9,
        socMin: Double = 0, socMax: Double = 1
    ) {
        let eta = roundTripEfficiency.squareRoot()
        self.init(capacityWh: capacityWh, maxChargeW: maxChargeW, maxDischargeW: maxDischargeW,
                  chargeEfficiency: eta, dischargeEfficiency: eta, socMin: socMin, socMax: socMax)
    }

    public init(
        capacityWh: Double, maxChargeW: Double, maxDischargeW: Double, chargeEfficiency: Double,
        dischargeEfficiency: Double, socMin: Double, socMax: Double
    ) {
        self.capacityWh = capacityWh
        self.maxChargeW = maxChargeW
        self.maxDischargeW = maxDischargeW
        self.chargeEfficiency = chargeEfficiency
        self.dischargeEfficiency = dischargeEfficiency
        self.socMin = socMin
        self.socMax = socMax
    }

    public var roundTripEfficiency: Double { chargeEfficiency * dischargeEfficiency }
    public var minEnergyWh: Double { socMin * capacityWh }
    public var maxEnergyWh: Double { socMax * capacityWh }

    /// What is wrong with the spec, one phrase per problem, naming the field.
    public func problems() -> [String] {
        var out: [String] = []
        if !(capacityWh > 0 && capacityWh.isFinite) { out.append("capacity must be > 0 (got \(capacityWh) Wh)") }
        if !(maxChargeW >= 0 && maxChargeW.isFinite) { out.append("max charge power must be >= 0 (got \(maxChargeW) W)") }
        if !(maxDischargeW >= 0 && maxDischargeW.isFinite) { out.append("max discharge power must be >= 0 (got \(maxDischargeW) W)") }
        if maxChargeW == 0 && maxDischargeW == 0 { out.append("power must be > 0 in at least one direction") }
        for (name, eta) in [("charge efficiency", chargeEfficiency), ("discharge efficiency", dischargeEfficiency)]
        where !(eta > 0 && eta <= 1) {
            out.append("\(name) must be in (0, 1] (got \(eta))")
        }
        if !(socMin >= 0 && socMin <= socMax && socMax <= 1) {
            out.append("soc_min <= soc_max within [0, 1] required (got soc_min=\(socMin), soc_max=\(socMax))")
        }
        return out
    }

    /// Largest discharge power (W) that `energyWh` sustains for `hours`.
    public func dischargeHeadroomW(energyWh: Double, hours: Double) -> Double {
        let usable = Swift.max(0, energyWh - minEnergyWh)
        return Swift.min(maxDischargeW, usable * dischargeEfficiency / hours)
    }

    /// Largest charge power (W, as a magnitude) that fits above `energyWh`
    /// within `hours`.
    public func chargeHeadroomW(energyWh: Double, hours: Double) -> Double {
        let room = Swift.max(0, maxEnergyWh - energyWh)
        return Swift.min(maxChargeW, room / (chargeEfficiency * hours))
    }

    /// The power actually held for `hours` when `requestW` is asked for
    /// (+ discharge, - charge), and the energy after it. The battery runs at
    /// the request until a limit would be crossed; the returned power is the
    /// constant power that moves exactly the energy that could be moved, so
    /// energy is accounted exactly whatever the step length.
    public func step(energyWh: Double, requestW: Double, hours: Double) -> (powerW: Double, energyWh: Double) {
        guard hours > 0, requestW.isFinite, requestW != 0 else { return (0, energyWh) }
        if requestW > 0 {
            let p = Swift.min(requestW, dischargeHeadroomW(energyWh: energyWh, hours: hours))
            return (p, Swift.max(minEnergyWh, energyWh - p * hours / dischargeEfficiency))
        }
        let p = Swift.min(-requestW, chargeHeadroomW(energyWh: energyWh, hours: hours))
        return (-p, Swift.min(maxEnergyWh, energyWh + p * hours * chargeEfficiency))
    }
}
