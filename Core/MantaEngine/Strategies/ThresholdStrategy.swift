import MantaABI
import MantaJSON

/// Charge at or below one price, discharge at or above another, hold in
/// between, within an SOC band: the same rule as the C plugin
/// Plugins/strategies/threshold (a test holds the two to identical results),
/// here in process, where a year of 5-minute intervals takes milliseconds.
public final class ThresholdStrategy: Strategy {
    public struct Config: Sendable, Equatable {
        public var chargeBelow = 40.0
        public var dischargeAbove = 150.0
        public var powerFraction = 1.0
        public var socMin = 0.0
        public var socMax = 1.0

        public init() {}

        /// Reads the plugin's config keys (charge_below, discharge_above,
        /// power_fraction, soc_min, soc_max); absent keys keep the defaults.
        public init(_ json: JSON) throws(StrategyConfigError) {
            for key in json.object?.keys ?? [] {
                guard let v = json[key]?.number else { throw StrategyConfigError("\(key): must be a number") }
                switch key {
                case "charge_below": chargeBelow = v
                case "discharge_above": dischargeAbove = v
                case "power_fraction": powerFraction = v
                case "soc_min": socMin = v
                case "soc_max": socMax = v
                default:
                    throw StrategyConfigError("\(key): unknown (threshold takes charge_below, discharge_above, power_fraction, soc_min, soc_max)")
                }
            }
            guard chargeBelow < dischargeAbove else {
                throw StrategyConfigError("charge_below (\(chargeBelow)) must be below discharge_above (\(dischargeAbove))")
            }
            guard powerFraction > 0 && powerFraction <= 1 else { throw StrategyConfigError("power_fraction: must be in (0, 1]") }
            guard socMin >= 0, socMin <= socMax, socMax <= 1 else { throw StrategyConfigError("soc_min/soc_max: need 0 <= soc_min <= soc_max <= 1") }
        }
    }

    public let config: Config
    public var name: String { "threshold" }

    public init(_ config: Config = Config()) { self.config = config }

    public func decide(_ o: Observation, targets: inout [Double]) -> String? {
        guard o.price.isFinite else { return "hold: price unknown" }
        let sign = o.price <= config.chargeBelow ? -1.0 : o.price >= config.dischargeAbove ? 1.0 : 0.0
        if sign == 0 { return "hold" }
        for (i, a) in o.assets.enumerated() where a.soc.isFinite {
            if sign < 0 && a.soc < min(a.socMax, config.socMax) { targets[i] = -a.maxChargeW * config.powerFraction }
            if sign > 0 && a.soc > max(a.socMin, config.socMin) { targets[i] = a.maxDischargeW * config.powerFraction }
        }
        return sign < 0 ? "charge" : "discharge"
    }
}

/// A strategy configuration that cannot be used, naming the field.
public struct StrategyConfigError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
