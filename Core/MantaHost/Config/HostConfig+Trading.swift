import MantaJSON

/// The trading desk's settings: the `trading` section of the host config.
extension HostConfig {
    public struct Trading: Sendable, Decodable, Equatable {
        /// A bid may not name an interval starting before now plus this.
        public var gateClosureMs: Int64
        /// Host time after an interval's end at which it is settled (late
        /// readings of the interval still count until then).
        public var settleAfterMs: Int64
        /// Throughput (degradation) cost, AUD per MWh discharged.
        public var throughputCostPerMWh: Double
        /// Network charge, AUD per MWh the fleet charges from the grid.
        public var networkPerMWh: Double
        /// Demand charge, AUD per kW of each member's monthly peak charging
        /// power (the average of its highest interval).
        public var demandPerKWMonth: Double
        public var risk: Risk

        enum CodingKeys: String, CodingKey {
            case gateClosureMs = "gate_closure_s", settleAfterMs = "settle_after_ms"
            case throughputCostPerMWh = "throughput_cost_aud_per_mwh", risk
            case networkPerMWh = "network_aud_per_mwh", demandPerKWMonth = "demand_aud_per_kw_month"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            gateClosureMs = try c.decode(Int64.self, forKey: .gateClosureMs) * 1000
            settleAfterMs = try c.decode(Int64.self, forKey: .settleAfterMs)
            throughputCostPerMWh = try c.decode(Double.self, forKey: .throughputCostPerMWh)
            networkPerMWh = try c.decode(Double.self, forKey: .networkPerMWh)
            demandPerKWMonth = try c.decode(Double.self, forKey: .demandPerKWMonth)
            risk = try c.decode(Risk.self, forKey: .risk)
        }
    }

    /// The risk guard's limits (RiskGuard).
    public struct Risk: Sendable, Decodable, Equatable {
        /// A VPP whose settled total over the trailing window falls below
        /// -maxLossAUD trips its breaker (nil: no loss breaker).
        public var maxLossAUD: Double?
        /// The trailing window, intervals.
        public var lossWindowIntervals: Int
        /// Strategy failures in a row that trip the breaker.
        public var maxStrategyErrors: Int
        /// A strategy may not charge when the price is above this, nor
        /// discharge when it is below `sellBelow` (AUD/MWh; nil: no band).
        public var buyAbove: Double?
        public var sellBelow: Double?
        /// A requested fleet power more than this many times the last one
        /// (and above 10% of the VPP's rating) is an anomaly.
        public var maxJumpRatio: Double
        /// Sign flips of the fleet's power within `flipWindowIntervals` that
        /// make an anomaly.
        public var maxFlips: Int
        public var flipWindowIntervals: Int
        /// The most a VPP's fleet power may move from one interval's
        /// decision to the next, as a share of the VPP's rating (nil: no limit).
        public var maxRampFraction: Double?

        enum CodingKeys: String, CodingKey {
            case maxLossAUD = "max_loss_aud", lossWindowIntervals = "loss_window_intervals"
            case maxStrategyErrors = "max_strategy_errors", buyAbove = "buy_above", sellBelow = "sell_below"
            case maxJumpRatio = "max_jump_ratio", maxFlips = "max_flips", flipWindowIntervals = "flip_window_intervals"
            case maxRampFraction = "max_ramp_fraction"
        }
    }
}

/// The `trading` section's schema.
enum TradingSchemas {
    static let section: JSON = [
        "type": "object", "additionalProperties": false, "default": [:],
        "properties": [
            "gate_closure_s": ["type": "integer", "minimum": 0, "maximum": 86_400, "default": 0,
                               "description": "a bid may only name intervals starting at least this long after now"],
            "settle_after_ms": ["type": "integer", "minimum": 1000, "maximum": 300_000, "default": 10_000,
                                "description": "host time after an interval's end at which the fleet's metered energy is settled"],
            "throughput_cost_aud_per_mwh": ["type": "number", "minimum": 0, "maximum": 10_000, "default": 0,
                                            "description": "degradation cost charged per MWh discharged"],
            "network_aud_per_mwh": ["type": "number", "minimum": 0, "maximum": 10_000, "default": 0,
                                    "description": "network charge per MWh the fleet's batteries charge from the grid"],
            "demand_aud_per_kw_month": ["type": "number", "minimum": 0, "maximum": 10_000, "default": 0,
                                        "description": "demand charge per kW of each member's monthly peak charging power, charged in the interval that raises the peak"],
            "risk": [
                "type": "object", "additionalProperties": false, "default": [:],
                "properties": [
                    "max_loss_aud": ["type": "number", "exclusiveMinimum": 0, "maximum": 1e9,
                                     "description": "a VPP that loses more than this over the trailing window falls back to holding until risk.reset"],
                    "loss_window_intervals": ["type": "integer", "minimum": 1, "maximum": 8640, "default": 288],
                    "max_strategy_errors": ["type": "integer", "minimum": 1, "maximum": 1000, "default": 5,
                                            "description": "strategy failures in a row that trip the VPP's breaker"],
                    "buy_above": ["type": "number", "minimum": -1000, "maximum": 20_300,
                                  "description": "no charging while the price is above this (AUD/MWh)"],
                    "sell_below": ["type": "number", "minimum": -1000, "maximum": 20_300,
                                   "description": "no discharging while the price is below this (AUD/MWh)"],
                    "max_jump_ratio": ["type": "number", "minimum": 2, "maximum": 1e6, "default": 10,
                                       "description": "a fleet request this many times the last one (and over 10% of the VPP's rating) is intercepted"],
                    "max_flips": ["type": "integer", "minimum": 1, "maximum": 288, "default": 2],
                    "max_ramp_fraction": ["type": "number", "exclusiveMinimum": 0, "maximum": 2,
                                          "description": "ramp limit: a VPP's fleet power moves at most this share of its rating from one interval's decision to the next (holding is always allowed)"],
                    "flip_window_intervals": ["type": "integer", "minimum": 2, "maximum": 288, "default": 3,
                                              "description": "max_flips sign changes of the fleet's power within this many intervals are intercepted (held)"],
                ],
            ],
        ],
    ]
}
