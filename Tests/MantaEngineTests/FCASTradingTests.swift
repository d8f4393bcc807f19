import MantaJSON
import MantaMarket
import Testing
@testable import MantaEngine

/// What a strategy asks of FCAS, held to what the battery can deliver, and
/// strategies that trade it in the Time Machine.
@Suite struct FCASTrading {
    let spec = BatterySpec(capacityWh: 2e6, maxChargeW: 1e6, maxDischargeW: 1e6, roundTripEfficiency: 1)

    func prices(_ pairs: [(FCASService, Double)]) -> FCASPrices {
        var f = FCASPrices()
        for (s, p) in pairs { f[s] = p }
        return f
    }

    @Test func atFullDischargeNoRaiseAndChargingFreesLower() {
        var mw: [FCASService: Double] = [.raise6Sec: 0.5, .lower6Sec: 1.5]
        let clamps = FCASLimits.hold(&mw, prices: prices([(.raise6Sec, 1), (.lower6Sec, 1)]), spec: spec,
                                     powerW: 1e6, energyWh: 1e6)
        #expect(mw[.raise6Sec] == 0)  // x + r <= Pd with x = Pd
        #expect(mw[.lower6Sec] == 1)  // -x + l <= Pc leaves 2 MW, but availability is the 1 MW charge rating
        #expect(clamps.map(\.service) == [.lower6Sec, .raise6Sec] || clamps.map(\.service) == [.raise6Sec, .lower6Sec])
        #expect(clamps.first { $0.service == .raise6Sec }?.description
            == "RAISE6SEC 0.5 -> 0.0 MW: joint capacity with regulation: discharge rating 1.0 MW less 1.0 MW dispatched, 0.0 MW of RAISEREG")
    }

    @Test func regulationTakesItsShareFirstAndAFullBatteryOffersNoLower() {
        var mw: [FCASService: Double] = [.raiseReg: 0.7, .raise60Sec: 0.7, .lowerReg: 0.3]
        _ = FCASLimits.hold(&mw, prices: prices([(.raiseReg, 9), (.raise60Sec, 1), (.lowerReg, 9)]), spec: spec,
                            powerW: 0, energyWh: 2e6)
        #expect(abs(mw[.raise60Sec]! - 0.3) < 1e-12)  // 1 MW less 0.7 of regulation
        #expect(mw[.raiseReg] == 0.7 && mw[.lowerReg] == 0)  // full: no room to sustain lower
    }

    @Test func aRequestThatIsNotANumberIsDroppedAndSaidSo() {
        var mw: [FCASService: Double] = [.raiseReg: .nan, .lowerReg: -1, .raise6Sec: 0.2]
        let clamps = FCASLimits.hold(&mw, prices: prices([(.raiseReg, 1), (.lowerReg, 1), (.raise6Sec, 1)]), spec: spec,
                                     powerW: 0, energyWh: 1e6)
        #expect(mw[.raiseReg] == 0 && mw[.lowerReg] == 0 && mw[.raise6Sec] == 0.2)
        #expect(clamps.map(\.service) == [.raiseReg, .lowerReg] && clamps.allSatisfy { $0.reason == "not a non-negative number" })
    }

    @Test func raiseIsScaledToTheEnergyItMustSustainAndUnpricedServicesAreDropped() {
        // 0.02 MWh above the floor; 0.6 MW of RAISE5MIN for 10 minutes needs 0.1 MWh: a fifth of it.
        var mw: [FCASService: Double] = [.raise5Min: 0.6, .lower1Sec: 0.4]
        let clamps = FCASLimits.hold(&mw, prices: prices([(.raise5Min, 3)]), spec: spec, powerW: 0, energyWh: 0.02e6)
        #expect(abs(mw[.raise5Min]! - 0.12) < 1e-12)
        #expect(mw[.lower1Sec] == 0)
        #expect(clamps.contains { $0.service == .lower1Sec && $0.reason == "not offered in this interval" })
    }

    /// Two days of prices with RAISEREG dear in the evening.
    func days() -> PriceFile {
        var f = day(count: 576)
        for i in f.points.indices {
            let hour = Double(i % 288) / 12
            f.points[i].fcas[.raiseReg] = hour >= 17 && hour < 21 ? 40 : 4
            f.points[i].fcas[.lowerReg] = 6
        }
        return f
    }

    let config: JSON = [
        "rules": [["if": ["price": ["<": 0]], "then": "charge"]],
        "fcas": [["if": ["fcas_price": ["service": "RAISEREG", ">": 10]], "enable": "RAISEREG", "power": 1],
                 ["if": ["fcas_price": ["service": "LOWERREG", ">": 5], "soc": ["<": "90%"]], "enable": "LOWERREG", "mw": 0.4]],
    ]

    @Test func aRuleStrategyEarnsFCASWithinTheBoundAndSplitsItByService() throws {
        let input = Backtest.Input(prices: days(), fleet: [battery(powerMW: 1, energyMWh: 2, rt: 0.9, soc0: 0.5)])
        let idle: JSON = ["rules": [], "fcas": config["fcas"]!]
        let r = try Backtest.run(input, strategy: RulesStrategy(try RuleSet(idle)))
        let reg = r.fcasRevenueAUD[FCASService.raiseReg.rawValue], lower = r.fcasRevenueAUD[FCASService.lowerReg.rawValue]
        // Idle at half charge: 1 MW of RAISEREG at $40/MW/h through 2 x 4 evening hours, and 0.4 MW of
        // LOWERREG at $6 through all 48 hours.
        #expect(abs(reg - 2 * 4 * 40) < 1e-6)
        #expect(abs(lower - 0.4 * 6 * 48) < 1e-6)
        #expect(r.fcasServices == [.raiseReg, .lowerReg] && r.fcasClamps == 0)
        // Charging below $0 at the full rating leaves no room for lower: each such request is cut, with the reason.
        let charging = try Backtest.run(input, strategy: RulesStrategy(try RuleSet(config)))
        #expect(charging.fcasClamps > 0)
        #expect(charging.firstFCASClamp?.contains("LOWERREG 0.4 -> 0.0 MW: joint capacity: charge rating 1.0 MW less 1.0 MW charging") == true,
                "\(charging.firstFCASClamp ?? "")")
        #expect(abs(r.energyRevenueAUD + r.fcasRevenueTotalAUD - r.revenueAUD) < 1e-9)
        #expect(r.revenueAUD <= (try Backtest.bound(input)) + 1e-6)
        // Energy only: the same strategy earns no FCAS.
        var energy = input
        energy.markets = .energy
        #expect(try Backtest.run(energy, strategy: RulesStrategy(try RuleSet(config))).fcasRevenueTotalAUD == 0)
    }

    @Test func rewritingFutureFCASPricesLeavesEarlierIntervalsAlone() throws {
        let b = [battery(powerMW: 1, energyMWh: 2, rt: 0.9, soc0: 0.5)]
        let base = try Backtest.run(Backtest.Input(prices: days(), fleet: b), strategy: RulesStrategy(try RuleSet(config)))
        var future = days()
        for i in 300..<future.points.count { future.points[i].fcas[.raiseReg] = 15_000; future.points[i].fcas[.lowerReg] = 0 }
        let rewritten = try Backtest.run(Backtest.Input(prices: future, fleet: b), strategy: RulesStrategy(try RuleSet(config)))
        #expect(Array(base.series.revenueAUD[..<300]) == Array(rewritten.series.revenueAUD[..<300]))
        #expect(Array(base.series.energyMWh[..<300]) == Array(rewritten.series.energyMWh[..<300]))
        #expect(base.series.revenueAUD[300...] != rewritten.series.revenueAUD[300...])
    }

    @Test func badFCASRulesAreNamed() {
        for (json, message) in [
            (["rules": [], "fcas": [["if": ["price": [">": 1]], "enable": "RAISE7SEC", "mw": 1]]] as JSON,
             "fcas[0]: enable: must name an FCAS service"),
            (["rules": [], "fcas": [["if": ["price": [">": 1]], "enable": "RAISE6SEC"]]], "fcas[0]: give mw (per asset) or power"),
            (["rules": [["if": ["fcas_price": ["service": "RAISE6SEC", ">": 1]], "then": "hold"]]],
             "rules[0]: if.fcas_price: a condition of FCAS rules only"),
            (["rules": [], "fcas": [["name": "x", "if": ["fcas_price": ["service": "RAISE6SEC", "=>": 1]], "enable": "RAISE6SEC", "mw": 1]]],
             "fcas[0] \"x\": if.fcas_price: unknown operator \"=>\""),
        ] {
            do {
                _ = try RuleSet(json)
                Issue.record("accepted \(json)")
            } catch {
                #expect(error.description.hasPrefix(message), "\(error.description)")
            }
        }
    }
}

@Suite struct MPCWithFCAS {
    @Test func itPlansBothMarketsWithoutLookingAhead() throws {
        var prices = day(count: 576)
        for i in prices.points.indices {
            let hour = Double(i % 288) / 12
            prices.points[i].fcas[.raiseReg] = hour >= 17 && hour < 21 ? 30 : 2
            prices.points[i].fcas[.lower6Sec] = 3
        }
        let b = [battery(powerMW: 1, energyMWh: 2, rt: 0.9, soc0: 0.5)]
        let input = Backtest.Input(prices: prices, fleet: b)
        let r = try Backtest.run(input, strategy: MPCFCASStrategy(forecaster: PersistenceForecaster()))
        #expect(r.fcasRevenueTotalAUD > 0 && r.energyRevenueAUD > 0)
        #expect(r.revenueAUD <= (try Backtest.bound(input)) + 1e-6)
        // Rewriting every price from interval 400 on leaves the first 400 intervals as they were.
        var future = prices
        for i in 400..<future.points.count {
            future.points[i].rrp = 15_000
            future.points[i].fcas[.raiseReg] = 15_000
        }
        let z = try Backtest.run(Backtest.Input(prices: future, fleet: b), strategy: MPCFCASStrategy(forecaster: PersistenceForecaster()))
        #expect(Array(r.series.revenueAUD[..<400]) == Array(z.series.revenueAUD[..<400]))
        #expect(Array(r.series.powerMW[..<400]) == Array(z.series.powerMW[..<400]))
    }
}
