import MantaJSON

/// The strategies that ship inside the engine, by name.
public enum BuiltInStrategies {
    /// Names `make` accepts. "optimal" (the perfect-foresight bound) is not a
    /// strategy (it sees the future) and is handled by the backtester itself.
    public static let names = ["threshold"]

    public static func make(_ name: String, config: JSON?) throws(StrategyConfigError) -> Strategy? {
        switch name {
        case "threshold": return ThresholdStrategy(try ThresholdStrategy.Config(config ?? .object(JSONObject())))
        default: return nil
        }
    }
}
