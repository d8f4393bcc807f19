import MantaABI
import MantaJSON
import MantaMarket
import Testing
@testable import MantaEngine

func observation(price: Double, soc: Double = 0.5, at endMs: Int64 = MarketTime.parse("2022-07-18 18:05")!,
                 history: [Double] = []) -> Observation {
    let a = AssetState(id: "b", kind: .battery, soc: soc, capacityWh: 10_000, maxChargeW: 5000, maxDischargeW: 4000,
                      socMin: 0.1, socMax: 0.95, powerW: 0, roundTripEfficiency: 0.9)
    return Observation(nowMs: endMs - 300_000, intervalEndMs: endMs, intervalMs: 300_000, deadlineMs: endMs,
                               vpp: "v", region: "VIC1", price: price, priceHistory: history[...], assets: [a])
}

func target(_ rules: JSON, _ obs: Observation) throws -> Double {
    var t = [0.0]
    _ = RulesStrategy(try RuleSet(rules)).decide(obs, targets: &t)
    return t[0]
}

@Suite struct Rules {
    @Test func theSeedsOneLiner() throws {
        let seed = try JSON.parse(#"{"rules": [{"if": {"price": {">": 500}, "soc": {">": "80%"}}, "then": "discharge"}]}"#)
        #expect(try target(seed, observation(price: 600, soc: 0.9)) == 4000)
        #expect(try target(seed, observation(price: 600, soc: 0.7)) == 0)   // SOC not above 80%
        #expect(try target(seed, observation(price: 400, soc: 0.9)) == 0)   // price not above 500
    }

    @Test func priorityThenOrderDecidesAndDefaultCatchesTheRest() throws {
        let rules: JSON = [
            "rules": [
                ["name": "late", "if": ["price": [">": 0]], "then": ["action": "charge", "power": 0.5]],
                ["name": "first", "priority": 5, "if": ["price": [">": 100]], "then": ["action": "discharge", "power_w": 9999]],
            ],
            "default": ["action": "charge", "power_w": 1000],
        ]
        #expect(try target(rules, observation(price: 150)) == 4000)     // power_w capped at the rating
        #expect(try target(rules, observation(price: 50)) == -2500)     // half of 5 kW
        #expect(try target(rules, observation(price: -5)) == -1000)     // default
    }

    @Test func timeWrapsMidnightAndWeekdaysAreMarketTime() throws {
        let night: JSON = ["rules": [["if": ["time": ["between": ["22:00", "06:00"]]], "then": "charge"]]]
        #expect(try target(night, observation(price: 1, at: MarketTime.parse("2022-07-18 23:05")!)) == -5000)
        #expect(try target(night, observation(price: 1, at: MarketTime.parse("2022-07-18 05:00")!)) == -5000)  // 04:55 start
        #expect(try target(night, observation(price: 1, at: MarketTime.parse("2022-07-18 12:00")!)) == 0)
        // 18 July 2022 was a Monday.
        let weekend: JSON = ["rules": [["if": ["weekday": ["in": ["sat", "sun"]]], "then": "discharge"]]]
        #expect(try target(weekend, observation(price: 1)) == 0)
        #expect(try target(weekend, observation(price: 1, at: MarketTime.parse("2022-07-17 12:00")!)) == 4000)
    }

    @Test func pricePercentileRanksTheCurrentPrice() throws {
        let rules: JSON = ["rules": [["if": ["price_percentile": ["window": 10, ">=": 90]], "then": "discharge"]]]
        let history = (1...10).map(Double.init)  // 1 ... 10
        #expect(try target(rules, observation(price: 11, history: history)) == 4000)  // above all ten: 100
        #expect(try target(rules, observation(price: 9.5, history: history)) == 4000)  // 9 of 10 below: the 90th
        #expect(try target(rules, observation(price: 9, history: history)) == 0)       // 8 below, 1 equal: 85
        #expect(try target(rules, observation(price: 5.5, history: history)) == 0)    // 50
    }

    @Test func errorsNameTheRuleAndTheField() {
        let cases: [(JSON, String)] = [
            (["rules": [["name": "x", "if": ["price": ["=>": 5]], "then": "charge"]]],
             #"rules[0] "x": if.price: unknown operator "=>" (use >, >=, <, <=, ==, !=, between)"#),
            (["rules": [["if": ["temperature": [">": 30]], "then": "charge"]]],
             "rules[0]: if.temperature: unknown condition (use price, price_percentile, soc, time, weekday, forecast, all, any, not)"),
            (["rules": [["if": ["price": [">": 5]], "then": "sell"]]],
             #"rules[0]: then: "sell" is not an action (charge, discharge, hold)"#),
            (["rules": [["if": ["price": [">": 5]], "then": "charge", "colour": "red"]]],
             "rules[0]: colour: unknown field (a rule has name, priority, if, then)"),
            (["rules": [["if": ["soc": [">": "lots"]], "then": "charge"]]],
             #"rules[0]: if.soc.>: must be a number or a percentage such as "80%""#),
            (["rules": [["if": ["time": ["between": ["25:00", "06:00"]]], "then": "charge"]]],
             #"rules[0]: if.time: must be {"between": ["HH:MM", "HH:MM"]}"#),
            (["rules": [["if": ["forecast": ["horizon": 12, "stat": "median", ">": 3]], "then": "charge"]]],
             #"rules[0]: if.forecast.stat: "median" is not one of max, min, mean"#),
            (["rules": [["if": ["price": [">": 5]], "then": ["action": "charge", "power": 2]]]],
             "rules[0]: then.power: must be a fraction in (0, 1]"),
            (["rule": []], "rule: unknown field (a rule set has rules, default, forecaster)"),
            (["rules": [], "forecaster": "crystal-ball"], "forecaster: must be one of regression, seasonal, persistence"),
        ]
        for (json, message) in cases {
            #expect(throws: StrategyConfigError.self) { try RuleSet(json) }
            do { _ = try RuleSet(json) } catch { #expect(error.description == message, "got: \(error.description)") }
        }
    }

    @Test func forecastConditionsUseTheNamedForecaster() throws {
        // Persistence: the next interval will cost what it cost 24 hours
        // before it, which is history[1] of the day shown.
        var history = [Double](repeating: 50, count: 288)
        history[1] = 900
        let rules: JSON = ["forecaster": "persistence",
                           "rules": [["if": ["forecast": ["horizon": 1, "stat": "max", ">": 800]], "then": "hold"]],
                           "default": "charge"]
        #expect(try target(rules, observation(price: 40, history: history)) == 0)
        history[1] = 700
        #expect(try target(rules, observation(price: 40, history: history)) == -5000)
    }

    @Test func theShippedExamplesParse() throws {
        _ = try RuleSet(RuleSet.standard)
    }
}
