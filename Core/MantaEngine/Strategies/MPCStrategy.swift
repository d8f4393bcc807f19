import MantaABI

/// Model-predictive control: every interval, plan the battery over a rolling
/// horizon (the interval's known price, then a forecaster's prices) with the
/// exact planner (the perfect-foresight solver, here on forecasts), and
/// apply the plan's first step. The plan respects the battery model exactly,
/// and its first step each site's room under its export limit and import
/// cap (SiteRoom); the host's limits then apply as to any strategy.
public final class MPCStrategy: Strategy {
    public struct Config: Sendable, Equatable {
        /// Intervals planned, including the current one. Four hours: with
        /// perfect forecasts it already captures ~98% of a year's optimum on
        /// real NEM prices, and beyond it forecasts add noise, not value.
        public var horizon = 48
        /// The planned end energy must be at least the current energy
        /// times this (1: keep the level; 0: free to empty by the horizon).
        public var keepEnergy = 1.0
        /// AUD per MWh discharged that the plan charges itself: wear the
        /// battery only where the spread pays for it.
        public var costPerMWh = 0.0

        public init() {}

        /// The battery a plan is made for from an asset as a strategy sees
        /// it, its energy now (MWh) and the least the plan must end with.
        func planned(_ a: AssetState) -> (battery: BacktestBattery, startMWh: Double, endAtLeastMWh: Double) {
            let rte = a.roundTripEfficiency.isFinite && a.roundTripEfficiency > 0 ? a.roundTripEfficiency : 1
            let battery = BacktestBattery(
                name: a.id, spec: BatterySpec(capacityWh: a.capacityWh, maxChargeW: a.maxChargeW, maxDischargeW: a.maxDischargeW,
                                              roundTripEfficiency: rte, socMin: a.socMin, socMax: a.socMax),
                initialSoc: a.soc, costPerMWh: costPerMWh)
            let e = a.soc * a.capacityWh / 1e6
            return (battery, e, max(a.socMin * a.capacityWh / 1e6, e * keepEnergy))
        }
    }

    public let config: Config
    public let forecaster: Forecaster
    public var name: String { "mpc(\(forecaster.name))" }
    /// Planned on when the forecaster fails or answers the wrong horizon;
    /// kept fed every interval (only for forecasters that can fail).
    private let fallback: SeasonalForecaster?
    private var forecast: [Double] = []
    private var plan: [Double] = []

    /// `reliable`: the forecaster never fails (the built-in ones), so no
    /// fallback needs keeping.
    public init(forecaster: Forecaster, _ config: Config = Config(), reliable: Bool = true) {
        self.forecaster = forecaster
        self.config = config
        fallback = reliable ? nil : SeasonalForecaster()
    }

    public func decide(_ obs: Observation, targets: inout [Double]) -> String? {
        var note: String?
        fallback?.absorb(obs)
        do {
            try forecaster.forecast(obs, horizon: config.horizon - 1, into: &forecast)
            if forecast.count != config.horizon - 1 {
                note = "forecaster \(forecaster.name) gave \(forecast.count) prices for a horizon of \(config.horizon - 1)"
            }
        } catch {
            note = "forecaster \(forecaster.name) failed: \(error)"
        }
        if note != nil, let fallback {
            fallback.forecast(obs, horizon: config.horizon - 1, into: &forecast)
            note! += "; planned on the seasonal profile"
        } else if note != nil {
            forecast = []
        }
        guard obs.price.isFinite else { return "hold: price unknown" }
        plan.removeAll(keepingCapacity: true)
        plan.append(obs.price)
        // Where the forecaster has no idea, assume the current price: the
        // plan then neither banks on nor fears that interval.
        for p in forecast { plan.append(p.isFinite ? p : obs.price) }
        var solved: [AssetKey: Double] = [:]
        // The interval being decided stays within each site's room under
        // its export limit and import cap; later intervals are planned on
        // the ratings (the room then is not known, and the plan is made again).
        let rooms = SiteRoom.rooms(obs.assets)
        for (i, a) in obs.assets.enumerated() where a.soc.isFinite && a.capacityWh > 0 {
            let room = rooms[i]
            let key = AssetKey(a, room)
            if let done = solved[key] {
                targets[i] = done
                continue
            }
            let (battery, e, end) = config.planned(a)
            let first = room == .unbounded ? nil : (chargeMW: room.maxChargeW / 1e6, dischargeMW: room.maxDischargeW / 1e6)
            let s = PerfectForesight.solve(prices: plan, battery: battery, startMWh: e, endAtLeastMWh: end, first: first)
            targets[i] = (s.dischargeMW[0] - s.chargeMW[0]) * 1e6
            solved[key] = targets[i]
        }
        return note
    }

    /// Assets that plan alike: same ratings, state of charge and room.
    struct AssetKey: Hashable {
        var soc, capacity, charge, discharge, socMin, socMax, rte: Double
        var room: SiteRoom.Room
        init(_ a: AssetState, _ room: SiteRoom.Room) {
            soc = a.soc; capacity = a.capacityWh; charge = a.maxChargeW; discharge = a.maxDischargeW
            socMin = a.socMin; socMax = a.socMax; rte = a.roundTripEfficiency
            self.room = room
        }
    }
}
