import MantaJSON

/// The strategies that ship inside the engine, by name. Each takes its
/// configuration as JSON; unknown keys are errors.
public enum BuiltInStrategies {
    /// Names `make` accepts; `all` in the arena means these. Not listed:
    /// "optimal" (the perfect-foresight bound) and "mpc-oracle", which see
    /// the future and are research tools, never contenders.
    public static let names = ["threshold", "rules", "mpc-persistence", "mpc-seasonal", "mpc-regression"]
    /// Every name `make` accepts: `names`, and mpc-fcas (an LP per interval:
    /// minutes for a month, so not among the arena's `all`).
    public static let accepted = names + ["mpc-fcas"]

    public static func make(_ name: String, config: JSON?) throws(StrategyConfigError) -> Strategy? {
        let c = config ?? .object(JSONObject())
        switch name {
        case "threshold":
            return ThresholdStrategy(try ThresholdStrategy.Config(c))
        case "rules":
            return RulesStrategy(try RuleSet(c.object?.isEmpty == false ? c : RuleSet.standard))
        case "mpc-persistence":
            try allow(c, [])
            return MPCStrategy(forecaster: PersistenceForecaster(), try mpcConfig(c))
        case "mpc-seasonal":
            try allow(c, ["by_weekday", "lookback", "quantile"])
            return MPCStrategy(forecaster: SeasonalForecaster(try seasonalConfig(c)), try mpcConfig(c))
        case "mpc-regression":
            try allow(c, ["clip", "half_life_days", "ridge", "lookback", "quantile"])
            var r = RegressionForecaster.Config()
            if let v = c["clip"]?.number { r.clip = v }
            if let v = c["half_life_days"]?.number { r.halfLifeDays = v }
            if let v = c["ridge"]?.number { r.ridge = v }
            r.profile = try seasonalConfig(c)
            return MPCStrategy(forecaster: RegressionForecaster(r), try mpcConfig(c))
        case "mpc-fcas":
            try allow(c, [])
            return MPCFCASStrategy(forecaster: PersistenceForecaster(), try mpcConfig(c))
        default:
            return nil
        }
    }

    static let mpcKeys = ["horizon", "keep_energy", "cost_per_mwh"]

    static func allow(_ c: JSON, _ keys: [String]) throws(StrategyConfigError) {
        for key in c.object?.keys ?? [] where !(keys + mpcKeys).contains(key) {
            throw StrategyConfigError("\(key): unknown (this strategy takes \((keys + mpcKeys).joined(separator: ", ")))")
        }
    }

    static func seasonalConfig(_ c: JSON) throws(StrategyConfigError) -> SeasonalForecaster.Config {
        var s = SeasonalForecaster.Config()
        if let v = c["by_weekday"] {
            guard let b = v.bool else { throw StrategyConfigError("by_weekday: must be true or false") }
            s.byWeekday = b
        }
        if let v = c["lookback"] {
            guard let n = v.integer, n >= 1, n <= 52 else { throw StrategyConfigError("lookback: must be 1...52") }
            s.lookback = Int(n)
        }
        if let v = c["quantile"] {
            guard v.isNull || (v.number.map { $0 >= 0 && $0 <= 1 } ?? false) else {
                throw StrategyConfigError("quantile: must be in [0, 1], or null for the mean")
            }
            s.quantile = v.number
        }
        return s
    }

    public static func mpcConfig(_ c: JSON) throws(StrategyConfigError) -> MPCStrategy.Config {
        var m = MPCStrategy.Config()
        if let v = c["horizon"] {
            guard let n = v.integer, n >= 1, n <= 2016 else { throw StrategyConfigError("horizon: must be 1...2016 intervals") }
            m.horizon = Int(n)
        }
        if let v = c["cost_per_mwh"] {
            guard let k = v.number, k >= 0 else { throw StrategyConfigError("cost_per_mwh: must be >= 0") }
            m.costPerMWh = k
        }
        if let v = c["keep_energy"] {
            guard let k = v.number, k >= 0, k <= 1 else { throw StrategyConfigError("keep_energy: must be in [0, 1]") }
            m.keepEnergy = k
        }
        return m
    }
}
