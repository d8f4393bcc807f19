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
        return Step(powerW: p, energyWh: e, revenueAUD: price.isFinite ? price * p / 1e6 * hours : 0)
    }
}
