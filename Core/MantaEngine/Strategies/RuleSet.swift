import MantaJSON
import MantaMarket

/// Low-code trading rules, written as JSON. The seed's example fits on a line:
///
///     {"if": {"price": {">": 500}, "soc": {">": "80%"}}, "then": "discharge"}
///
/// A rule set is `{"rules": [...], "default": "hold", "forecaster": "regression"}`. Each rule has `if`
/// (conditions, all of which must hold), `then` (an action), and optionally
/// `name` and `priority` (higher first; ties keep file order). For every
/// asset the first rule whose conditions hold decides; otherwise `default`.
///
/// Conditions (keys of an `if` object; `all`, `any` and `not` combine them):
///
///     "price":            {">": 300}          RRP of the interval, AUD/MWh
///     "price_percentile": {"window": 288, "<=": 20}   rank of the RRP among the last `window` prices, 0..100
///     "soc":              {">=": 0.8} or {">": "80%"}  the asset's state of charge
///     "time":             {"between": ["17:00", "21:00"]}  interval start, market time (wraps midnight)
///     "weekday":          {"in": ["sat", "sun"]}
///     "forecast":         {"horizon": 12, "stat": "max", ">": 300}  over the next `horizon` intervals
///
/// FCAS rules (`"fcas": [...]`, beside `rules`) enable a service while their conditions hold; every
/// rule that holds enables, the largest amount per service winning:
///
///     {"if": {"fcas_price": {"service": "RAISE6SEC", ">": 5}, "soc": {">": "40%"}},
///      "enable": "RAISE6SEC", "mw": 0.5}
///
/// with `mw` per asset, or `power` as a fraction of the rating on that side (discharge for raise,
/// charge for lower). `fcas_price` (that service's price this interval, AUD/MW/h) is a condition of
/// FCAS rules only. What a rule enables is held to what the battery can deliver (FCASLimits).
///
/// Operators: ">", ">=", "<", "<=", "==", "!=", "between" [low, high].
/// Actions: "charge", "discharge", "hold", or {"action": "charge", "power": 0.5} (a fraction of the
/// rating) or {"action": "discharge", "power_w": 3000} (W, capped at the rating).
public struct RuleSet: Sendable, Equatable {
    public struct Rule: Sendable, Equatable {
        public var name: String
        public var priority: Double
        public var condition: Condition
        public var action: Action
    }

    public indirect enum Condition: Sendable, Equatable {
        case all([Condition])
        case any([Condition])
        case not(Condition)
        case price(Comparison)
        case pricePercentile(window: Int, Comparison)
        case soc(Comparison)
        /// Minutes after midnight, market time; `to` may be before `from` (wraps).
        case time(from: Int, to: Int)
        /// Days as 0 = Monday ... 6 = Sunday.
        case weekday(Set<Int>)
        case forecast(horizon: Int, stat: Stat, Comparison)
        /// The interval's price of an FCAS service (FCAS rules only).
        case fcasPrice(FCASService, Comparison)
    }

    /// Enables `service` while `condition` holds: `mw` per asset, or
    /// `fraction` of the asset's rating on that side.
    public struct FCASRule: Sendable, Equatable {
        public var name: String
        public var condition: Condition
        public var service: FCASService
        public var mw: Double?
        public var fraction: Double?
    }

    public enum Stat: String, Sendable, Equatable, CaseIterable { case max, min, mean }

    public struct Comparison: Sendable, Equatable {
        public var op: String
        public var value: Double
        public var high: Double  // for "between"

        public func holds(_ x: Double) -> Bool {
            guard x.isFinite else { return false }
            switch op {
            case ">": return x > value
            case ">=": return x >= value
            case "<": return x < value
            case "<=": return x <= value
            case "==": return x == value
            case "!=": return x != value
            default: return x >= value && x <= high
            }
        }
    }

    public struct Action: Sendable, Equatable {
        /// -1 charge, 0 hold, +1 discharge.
        public var direction: Int
        /// Fraction of the asset's rating, or nil with `watts` set.
        public var fraction: Double?
        public var watts: Double?
    }

    public var rules: [Rule]
    public var fcas: [FCASRule] = []
    public var fallback: Action
    /// What `forecast` conditions are evaluated on: "regression" (the
    /// default), "seasonal" or "persistence".
    public var forecaster = "regression"

    static let forecasters = ["regression", "seasonal", "persistence"]

    /// A fresh forecaster of the kind the rule set names.
    public func makeForecaster() -> Forecaster {
        switch forecaster {
        case "seasonal": return SeasonalForecaster()
        case "persistence": return PersistenceForecaster()
        default: return RegressionForecaster()
        }
    }

    /// The longest percentile window and forecast horizon any rule uses.
    public var percentileWindow: Int { conditions.map { RuleSet.windows($0).percentile }.max() ?? 0 }
    public var forecastHorizon: Int { conditions.map { RuleSet.windows($0).forecast }.max() ?? 0 }
    private var conditions: [Condition] { rules.map(\.condition) + fcas.map(\.condition) }

    static func windows(_ c: Condition) -> (percentile: Int, forecast: Int) {
        switch c {
        case .all(let cs), .any(let cs):
            return cs.map(windows).reduce((0, 0)) { (max($0.0, $1.0), max($0.1, $1.1)) }
        case .not(let inner): return windows(inner)
        case .pricePercentile(let w, _): return (w, 0)
        case .forecast(let h, _, _): return (0, h)
        default: return (0, 0)
        }
    }

    /// A rule set that trades on where the price sits in its last day:
    /// what `rules` runs with no configuration.
    public static let standard: JSON = [
        "rules": [
            ["name": "sell spikes", "priority": 20, "if": ["price": [">=": 300]], "then": "discharge"],
            ["name": "buy below zero", "priority": 10, "if": ["price": ["<": 0]], "then": "charge"],
            ["name": "buy the day's lows", "if": ["price_percentile": ["window": 288, "<=": 15]], "then": "charge"],
            ["name": "sell the day's highs", "if": ["price_percentile": ["window": 288, ">=": 85]], "then": "discharge"],
        ],
        "default": "hold",
    ]
}
