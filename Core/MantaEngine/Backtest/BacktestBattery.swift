import MantaMarket

/// One battery in a backtest: its physics, its starting state, what each
/// MWh it discharges costs (degradation, warranty throughput) and any FCAS
/// trapezia it is registered with.
public struct BacktestBattery: Sendable, Equatable {
    public var name: String
    public var spec: BatterySpec
    /// State of charge at the start, 0..1; also the least it must end with
    /// in the perfect-foresight bound.
    public var initialSoc: Double
    /// AUD per MWh discharged.
    public var costPerMWh: Double
    /// Trapezia (from the unit's FCAS offer) that tighten the battery's own
    /// in the co-optimised bound; a service absent here has only its own.
    public var trapezia: [FCASService: FCASTrapezium]

    public init(name: String, spec: BatterySpec, initialSoc: Double, costPerMWh: Double = 0,
                trapezia: [FCASService: FCASTrapezium] = [:]) {
        self.name = name
        self.spec = spec
        self.initialSoc = initialSoc
        self.costPerMWh = costPerMWh
        self.trapezia = trapezia
    }

    public var initialEnergyWh: Double { initialSoc * spec.capacityWh }

    /// The larger of its charge and discharge ratings, MW: what revenue per
    /// MW is counted against.
    public var powerMW: Double { max(spec.maxChargeW, spec.maxDischargeW) / 1e6 }

    /// Everything wrong with it, one phrase each naming the parameter.
    public func problems() -> [String] {
        var out = spec.problems()
        if out.isEmpty, !(initialSoc >= spec.socMin && initialSoc <= spec.socMax) {
            out.append("soc0 must lie within [soc_min, soc_max] = [\(spec.socMin), \(spec.socMax)] (got \(initialSoc))")
        }
        if !(costPerMWh >= 0 && costPerMWh.isFinite) { out.append("cost_per_mwh must be >= 0 (got \(costPerMWh))") }
        for (service, t) in trapezia.sorted(by: { $0.key.rawValue < $1.key.rawValue }) { out += t.problems(service) }
        return out
    }
}
