import MantaABI
import MantaMarket

/// Runs a RuleSet: for each asset, the first rule (by priority) whose
/// conditions hold decides its action; otherwise the default. Price
/// percentiles come from the prices the strategy has been shown; forecast
/// conditions from a forecaster of its own (the one the rule set names),
/// so no rule can see the future.
public final class RulesStrategy: FCASTrading {
    public let rules: RuleSet
    public var name: String { "rules" }
    private var memory: PriceMemory
    private let forecaster: Forecaster?
    private var forecast: [Double] = []
    private var window: [Double] = []

    public init(_ rules: RuleSet, forecaster: Forecaster? = nil) {
        self.rules = rules
        memory = PriceMemory(capacity: max(288, rules.percentileWindow) + 288)
        self.forecaster = rules.forecastHorizon > 0 ? (forecaster ?? rules.makeForecaster()) : nil
    }

    public func decide(_ obs: Observation, targets: inout [Double]) -> String? {
        memory.absorb(obs)
        if let f = forecaster { try? f.forecast(obs, horizon: rules.forecastHorizon, into: &forecast) }
        guard obs.price.isFinite else { return "hold: price unknown" }
        let context = Context(obs, fcas: FCASPrices())
        var last: String?
        for (i, asset) in obs.assets.enumerated() {
            let rule = rules.rules.first { holds($0.condition, context, asset) }
            let action = rule?.action ?? rules.fallback
            last = rule?.name ?? "default"
            guard asset.soc.isFinite, action.direction != 0 else { continue }
            let rating = action.direction > 0 ? asset.maxDischargeW : asset.maxChargeW
            let power = action.watts.map { min($0, rating) } ?? rating * (action.fraction ?? 1)
            targets[i] = Double(action.direction) * power
        }
        return last
    }

    /// The FCAS rules: every one that holds for an asset enables its
    /// service, the largest amount winning.
    public func enable(_ obs: Observation, prices: FCASPrices, targets: [Double], enablement: inout FCASEnablement) -> String? {
        guard !rules.fcas.isEmpty, obs.price.isFinite else { return nil }
        let context = Context(obs, fcas: prices)
        var enabled: [String] = []
        for (i, asset) in obs.assets.enumerated() where asset.soc.isFinite {
            for rule in rules.fcas where holds(rule.condition, context, asset) {
                let rating = (rule.service.isRaise ? asset.maxDischargeW : asset.maxChargeW) / 1e6
                let mw = rule.mw ?? rating * (rule.fraction ?? 0)
                enablement[i, rule.service] = max(enablement[i, rule.service], mw)
                if i == 0 { enabled.append(rule.name) }
            }
        }
        return enabled.isEmpty ? nil : enabled.joined(separator: ", ")
    }

    struct Context {
        let obs: Observation
        let minute: Int
        let weekday: Int
        /// The interval's FCAS prices (none while deciding energy).
        let fcas: FCASPrices

        /// The interval's start in market time: minute of the day and weekday.
        init(_ obs: Observation, fcas: FCASPrices) {
            let start = MarketTime.civil(ms: obs.intervalEndMs - obs.intervalMs)
            let days = MarketTime.days(year: start.year, month: start.month, day: start.day)
            self.obs = obs
            minute = start.hour * 60 + start.minute
            weekday = Int(((days + 3) % 7 + 7) % 7)  // 1970-01-01 was a Thursday; 0 = Monday
            self.fcas = fcas
        }
    }

    private func holds(_ c: RuleSet.Condition, _ x: Context, _ a: AssetState) -> Bool {
        switch c {
        case .all(let cs): return cs.allSatisfy { holds($0, x, a) }
        case .any(let cs): return cs.contains { holds($0, x, a) }
        case .not(let inner): return !holds(inner, x, a)
        case .price(let cmp): return cmp.holds(x.obs.price)
        case .soc(let cmp): return cmp.holds(a.soc)
        case .pricePercentile(let w, let cmp): return cmp.holds(percentile(of: x.obs, window: w))
        case let .time(from, to):
            return from <= to ? (x.minute >= from && x.minute < to) : (x.minute >= from || x.minute < to)
        case .weekday(let days): return days.contains(x.weekday)
        case let .fcasPrice(service, cmp): return cmp.holds(x.fcas[service])
        case let .forecast(h, stat, cmp):
            let values = forecast.prefix(h).filter(\.isFinite)
            guard !values.isEmpty else { return false }
            switch stat {
            case .max: return cmp.holds(values.max()!)
            case .min: return cmp.holds(values.min()!)
            case .mean: return cmp.holds(values.reduce(0, +) / Double(values.count))
            }
        }
    }

    /// Where the current price ranks among the last `window` prices, 0..100
    /// (the share of them strictly below it, plus half of those equal).
    private func percentile(of obs: Observation, window w: Int) -> Double {
        var below = 0, equal = 0, seen = 0
        for k in 1...w {
            let p = memory.price(at: obs.intervalEndMs - Int64(k) * obs.intervalMs)
            guard p.isFinite else { continue }
            seen += 1
            if p < obs.price { below += 1 } else if p == obs.price { equal += 1 }
        }
        return seen == 0 ? .nan : (Double(below) + Double(equal) / 2) / Double(seen) * 100
    }
}
