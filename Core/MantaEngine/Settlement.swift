import MantaMarket

/// One interval of one battery, settled: the one settlement step every
/// simulation in Manta shares (the backtester, the live arena's shadow
/// fleets, and anything later).
///
/// The request is held to the battery's limits exactly as the host holds a
/// live command (`AssetLimits.enforce`: power ratings, and what the state of
/// charge sustains for `hours`), the battery moves by its physics
/// (`BatterySpec.step`), and the energy exported settles at the price:
/// revenue = price (AUD/MWh) x power (MW) x hours.
public enum Settlement {
    public struct Step: Sendable, Equatable {
        /// Power held over the interval, W, + = discharge.
        public var powerW: Double
        /// Energy in the cells afterwards, Wh.
        public var energyWh: Double
        /// AUD earned (negative: paid); 0 when the price is unknown.
        public var revenueAUD: Double
    }

    /// Settles `requestW` for `hours` from `energyWh`. `limits` are what the
    /// host enforces (its `soc` is set from `energyWh` here); `spec` is the
    /// battery's own physics.
    public static func step(limits: AssetLimits, spec: BatterySpec, energyWh: Double, requestW: Double, hours: Double,
                            price: Double) -> Step {
        var l = limits
        l.soc = spec.capacityWh > 0 ? energyWh / spec.capacityWh : nil
        let (value, _) = l.enforce(requestW, hours: hours)
        let (p, e) = spec.step(energyWh: energyWh, requestW: value, hours: hours)
        return Step(powerW: p, energyWh: e, revenueAUD: energyAUD(price: price, powerW: p, hours: hours))
    }

    /// What energy earns: price (AUD/MWh) x average power (MW) x hours,
    /// + = paid for export; 0 when the price is unknown. The backtester
    /// settles a simulated battery with it, the live host a metered one.
    public static func energyAUD(price: Double, powerW: Double, hours: Double) -> Double {
        price.isFinite ? price * powerW / 1e6 * hours : 0
    }

    /// One metered interval of a fleet, settled: energy at the RRP, each
    /// FCAS enablement for availability (MW x price x hours, FCASService
    /// order; NaN prices earn nothing), less throughput cost on the energy
    /// discharged, network charges on the energy charged and demand
    /// charges (worked out by the caller, who knows the month's peaks).
    public struct Interval: Sendable, Equatable {
        public var energyAUD: Double
        /// By service (FCASService order); empty when nothing was enabled.
        public var fcasAUD: [Double]
        public var costAUD: Double
        public var networkAUD = 0.0
        public var demandAUD = 0.0
        public var fcasTotalAUD: Double { fcasAUD.reduce(0, +) }
        public var totalAUD: Double { energyAUD + fcasTotalAUD - costAUD - networkAUD - demandAUD }
    }

    /// Settles `energyWh` (net, + = exported) and `dischargedWh` over an
    /// interval of `hours` at `rrp`, with `enabledMW` (by service) at
    /// `fcasPrices` and `costPerMWh` on what was discharged.
    public static func interval(energyWh: Double, dischargedWh: Double, hours: Double, rrp: Double,
                                enabledMW: [Double], fcasPrices: [Double], costPerMWh: Double,
                                tariff: NetworkTariff = NetworkTariff(), demandAUD: Double = 0) -> Interval {
        var fcas = [Double](repeating: 0, count: enabledMW.isEmpty ? 0 : enabledMW.count)
        for k in fcas.indices where k < fcasPrices.count && fcasPrices[k].isFinite && enabledMW[k] > 0 {
            fcas[k] = FCASService.availabilityRevenue(mw: enabledMW[k], price: fcasPrices[k], hours: hours)
        }
        let chargedWh = max(0, dischargedWh - energyWh)
        return Interval(energyAUD: hours > 0 ? energyAUD(price: rrp, powerW: energyWh / hours, hours: hours) : 0,
                        fcasAUD: fcas, costAUD: costPerMWh * dischargedWh / 1e6, networkAUD: tariff.networkAUD(chargedWh: chargedWh),
                        demandAUD: demandAUD)
    }
}
