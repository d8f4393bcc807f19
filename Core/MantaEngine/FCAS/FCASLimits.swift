import MantaMarket

/// What a battery can truly enable of FCAS alongside its energy dispatch:
/// the rows of the co-optimised bound (CoOptimisedBound) applied to one
/// interval's request, so that a strategy earns only what the bound would
/// let it earn. With x the interval's power (MW, + = discharge) and the
/// battery's own trapezia:
///
///     availability: r_s <= Pd,                 l_s <= Pc
///     regulation:   x + r_REG <= Pd            -x + l_REG <= Pc
///     contingency:  x + r_s + r_REG <= Pd      -x + l_s + l_REG <= Pc
///     sustain:      e - sum r_s h_s / eta_d >= Emin,   e + sum l_s h_s eta_c <= Emax
///
/// with e the energy at the end of the interval. Regulation is held first
/// (it shares every contingency row), then each contingency service, then
/// the sustain rows scale a side down as a whole.
public enum FCASLimits {
    /// One request cut back, and why.
    public struct Clamp: Sendable, Equatable, CustomStringConvertible {
        public var service: FCASService
        public var requestedMW: Double
        public var allowedMW: Double
        public var reason: String

        public var description: String {
            "\(service.name) \(fmt(requestedMW)) -> \(fmt(allowedMW)) MW: \(reason)"
        }

        private func fmt(_ x: Double) -> String { String((x * 1000).rounded() / 1000) }
    }

    /// Holds `mw` (one asset's enablement, MW by service) to the limits of
    /// `spec` at power `powerW` ending the interval with `energyWh`; a
    /// service not priced (NaN in `prices`) is not enabled. Returns what
    /// was cut back.
    public static func hold(_ mw: inout [FCASService: Double], prices: FCASPrices, spec: BatterySpec,
                            powerW: Double, energyWh: Double) -> [Clamp] {
        var clamps: [Clamp] = []
        func cut(_ s: FCASService, to allowed: Double, _ reason: String) {
            let asked = mw[s] ?? 0
            let to = max(0, allowed)
            guard asked > to + 1e-12 else { return }
            clamps.append(Clamp(service: s, requestedMW: asked, allowedMW: to, reason: reason))
            mw[s] = to
        }
        // In service order, never the dictionary's: the clamps (and so a report's first one) must not
        // depend on hashing, which differs from run to run.
        for s in FCASService.allCases {
            guard let v = mw[s] else { continue }
            if !(v.isFinite && v >= 0) {
                // cut() compares, and NaN compares false: set it here.
                clamps.append(Clamp(service: s, requestedMW: v, allowedMW: 0, reason: "not a non-negative number"))
                mw[s] = 0
            } else if v > 0 && prices[s].isNaN {
                cut(s, to: 0, "not offered in this interval")
            }
        }
        let x = powerW / 1e6, pc = spec.maxChargeW / 1e6, pd = spec.maxDischargeW / 1e6
        let e = energyWh / 1e6, emin = spec.minEnergyWh / 1e6, emax = spec.maxEnergyWh / 1e6
        for s in FCASService.allCases where (mw[s] ?? 0) > 0 {
            cut(s, to: s.isRaise ? pd : pc, "availability: the \(s.isRaise ? "discharge" : "charge") rating")
        }
        for (side, reg, room) in [(true, FCASService.raiseReg, pd - x), (false, FCASService.lowerReg, pc + x)] {
            let what = side ? "discharge rating \(pd) MW less \(x) MW dispatched" : "charge rating \(pc) MW less \(-x) MW charging"
            cut(reg, to: room, "joint capacity: \(what)")
            let r = mw[reg] ?? 0
            for s in FCASService.allCases where s.isRaise == side && !s.isRegulation {
                cut(s, to: room - r, "joint capacity with regulation: \(what), \(r) MW of \(reg.name)")
            }
            // Sustain: the energy (or room) every enabled service of the side needs, scaled down together.
            let services = FCASService.allCases.filter { $0.isRaise == side && (mw[$0] ?? 0) > 0 }
            let need = services.reduce(0) { $0 + (mw[$1] ?? 0) * $1.sustainHours * (side ? 1 / spec.dischargeEfficiency : spec.chargeEfficiency) }
            let have = side ? e - emin : emax - e
            if need > have + 1e-12 {
                let k = max(0, have) / need
                for s in services {
                    cut(s, to: (mw[s] ?? 0) * k, side ? "energy to sustain it: \(max(0, have)) MWh above the floor"
                                                     : "room to sustain it: \(max(0, have)) MWh below the ceiling")
                }
            }
        }
        return clamps
    }
}
