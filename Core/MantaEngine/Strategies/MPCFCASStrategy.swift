import MantaABI
import MantaMarket

/// Model-predictive control over energy and FCAS together: every interval,
/// plan the battery over a rolling horizon with the co-optimised bound's
/// LP (CoOptimisedBound, solved by Clp warm from the last plan:
/// CoOptimisedPlanner) on forecasts of both, and take the plan's first
/// step: its power and its enablement of each service.
///
/// Like MPCStrategy, the interval being decided stays within each site's
/// room under its export limit and import cap (SiteRoom): the first
/// interval's charging and discharging are bounded by it, its FCAS
/// enablement by the joint capacity with that power (a contingency
/// response lasts seconds to minutes; the host's meter control holds the
/// export limit at the meter).
///
/// Energy prices come from an energy forecaster (any Forecaster); each
/// FCAS price is forecast as the same interval's price a day earlier, or,
/// before a day has been seen, the current one. Both learn only from what
/// the observations show, so the strategy cannot look ahead.
public final class MPCFCASStrategy: FCASTrading {
    public let config: MPCStrategy.Config
    public let forecaster: Forecaster
    public var name: String { "mpc-fcas(\(forecaster.name))" }
    private var forecast: [Double] = []
    /// FCAS prices seen, by interval end; two days kept.
    private var seen: [Int64: FCASPrices] = [:]
    /// The first step of the last plan, per asset.
    private var enabled: [[FCASService: Double]] = []
    /// Each asset's planner, warm from its last plan.
    private var planners: [CoOptimisedPlanner] = []

    /// Whether each plan starts from the last one's basis (CoOptimisedPlanner).
    public let warmStart: Bool

    public init(forecaster: Forecaster, _ config: MPCStrategy.Config = MPCStrategy.Config(), warmStart: Bool = true) {
        self.forecaster = forecaster
        self.config = config
        self.warmStart = warmStart
    }

    public func decide(_ obs: Observation, targets: inout [Double]) -> String? {
        try? forecaster.forecast(obs, horizon: config.horizon - 1, into: &forecast)
        enabled = Array(repeating: [:], count: obs.assets.count)
        let now = FCASPrices(values: obs.fcas)
        if !now.isEmpty { seen[obs.intervalEndMs] = now }
        // Two days are kept; trimmed now and then, not rebuilt every interval.
        if seen.count > 3 * 288 { seen = seen.filter { $0.key > obs.intervalEndMs - 2 * 86_400_000 } }
        guard obs.price.isFinite else { return "hold: price unknown" }
        var prices = [obs.price], fcas = [now]
        for k in 1..<max(1, config.horizon) {
            let p = k - 1 < forecast.count ? forecast[k - 1] : .nan
            prices.append(p.isFinite ? p : obs.price)
            let end = obs.intervalEndMs + Int64(k) * MarketTime.intervalMs
            fcas.append(seen[end - 86_400_000] ?? now)
        }
        var note: String?
        while planners.count < obs.assets.count { planners.append(CoOptimisedPlanner(warm: warmStart)) }
        let rooms = SiteRoom.rooms(obs.assets)
        for (i, a) in obs.assets.enumerated() where a.soc.isFinite && a.capacityWh > 0 {
            let (battery, e, end) = config.planned(a)
            let first = rooms[i] == .unbounded ? nil : (chargeMW: rooms[i].maxChargeW / 1e6, dischargeMW: rooms[i].maxDischargeW / 1e6)
            guard !now.isEmpty else {
                // No FCAS offered: the plan is the energy-only programme, solved exactly without an LP solver.
                let s = PerfectForesight.solve(prices: prices, battery: battery, startMWh: e, endAtLeastMWh: end, first: first)
                targets[i] = (s.dischargeMW[0] - s.chargeMW[0]) * 1e6
                continue
            }
            do {
                let s = try planners[i].plan(prices: prices, fcas: fcas, battery: battery, startMWh: e, endAtLeastMWh: end,
                                             first: first)
                targets[i] = (s.dischargeMW[0] - s.chargeMW[0]) * 1e6
                for (service, mw) in s.enablementMW where mw[0] > 0 { enabled[i][service] = mw[0] }
            } catch {
                note = "plan failed (\(error)): holding"
            }
        }
        return note
    }

    public func enable(_ obs: Observation, prices: FCASPrices, targets: [Double], enablement: inout FCASEnablement) -> String? {
        for (i, plan) in enabled.enumerated() where i < obs.assets.count {
            for (service, mw) in plan { enablement[i, service] = mw }
        }
        return nil
    }
}
