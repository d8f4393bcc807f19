import MantaEngine
import MantaJSON
import MantaMarket

/// A backtest as JSON: what `manta backtest --json` prints, what the report
/// folder's summary.json holds and what backtest.result returns.
public enum BacktestSummary {
    public static func json(_ o: BacktestOutcome, batteries: [BacktestBattery], daily: Bool = true) -> JSON {
        let r = o.result
        func period(_ p: BacktestResult.Period, _ key: String, _ label: String) -> JSON {
            .object(JSONObject([
                (key, .string(label)), ("revenue_aud", .number(round2(p.revenueAUD))),
                ("charged_mwh", .number(round6(p.chargedMWh))), ("discharged_mwh", .number(round6(p.dischargedMWh))),
                ("intervals", .int(p.intervals)),
            ]))
        }
        func day(_ p: BacktestResult.Period) -> JSON { period(p, "date", MarketTime.formatDate(p.startMs)) }
        func month(_ p: BacktestResult.Period) -> JSON { period(p, "month", String(MarketTime.formatDate(p.startMs).prefix(7))) }
        var o2 = JSONObject([
            ("region", .string(r.region.code)),
            ("strategy", .string(r.strategy)),
            ("from", .string(MarketTime.iso(r.fromEndMs))),
            ("to", .string(MarketTime.iso(r.toEndMs))),
            ("intervals", .int(r.intervals)),
            ("idle_intervals", .int(r.idleIntervals)),
            ("gaps", .int(r.gaps.count)),
            ("batteries", .int(batteries.count)),
            ("power_mw", .number(round6(r.fleetPowerMW))),
            ("energy_mwh", .number(round6(r.fleetEnergyMWh))),
            ("revenue_aud", .number(round2(r.revenueAUD))),
            ("energy_revenue_aud", .number(round2(r.energyRevenueAUD))),
            ("fcas_revenue_aud", .number(round2(r.fcasRevenueTotalAUD))),
            ("fcas_revenue_by_service", .object(JSONObject(r.fcasServices.map { ($0.name, .number(round2(r.fcasRevenueAUD[$0.rawValue]))) }))),
            ("markets", .string(o.markets.rawValue)),
            ("fcas_clamps", .int(Int64(r.fcasClamps))),
            ("first_fcas_clamp", .optional(r.firstFCASClamp)),
            ("charged_mwh", .number(round6(r.chargedMWh))),
            ("discharged_mwh", .number(round6(r.dischargedMWh))),
            ("cycles", .number(round6(r.cycles))),
            ("start_energy_mwh", .number(round6(r.startEnergyMWh))),
            ("end_energy_mwh", .number(round6(r.endEnergyMWh))),
            ("avg_buy_price", .number(round2(r.averageBuyPrice))),
            ("avg_sell_price", .number(round2(r.averageSellPrice))),
            ("revenue_per_mw", .number(round2(r.revenuePerMW))),
            ("throughput_cost_aud", .number(round2(r.throughputCostAUD))),
            ("network_aud", .number(round2(r.networkAUD))),
            ("demand_aud", .number(round2(r.demandAUD))),
            ("optimal_revenue_aud", .number(round2(o.optimalRevenueAUD))),
            ("capture_ratio", .number(round6(o.captureRatio))),
            ("worst_day", r.worstDay.map(day) ?? .null),
            ("best_day", r.bestDay.map(day) ?? .null),
            ("risk", .object(JSONObject([
                ("daily_revenue_stdev_aud", .number(round2(r.dailyStdDev))),
                ("negative_days", .int(r.negativeDays)),
                ("max_drawdown_aud", .number(round2(r.maxDrawdownAUD))),
                ("breaker", r.breaker.map { b in .object(JSONObject([
                    ("max_loss_aud", .number(b.maxLossAUD)), ("window_intervals", .int(Int64(b.windowIntervals))),
                    ("tripped", .bool(b.tripped)), ("tripped_at", b.trippedAtMs.map { .string(MarketTime.iso($0)) } ?? .null),
                    ("window_aud_at_trip", b.trippedAtAUD.map { .number(round2($0)) } ?? .null),
                ])) } ?? .null),
            ]))),
            ("strategy_errors", .int(r.strategyErrors)),
            ("first_strategy_error", .optional(r.firstStrategyError)),
            ("elapsed_s", .number(round6(o.runSeconds))),
            ("bound_elapsed_s", .number(round6(o.boundSeconds))),
            ("load_elapsed_s", .number(round6(o.loadSeconds))),
            ("monthly", .array(r.months.map(month))),
        ])
        if daily { o2["daily"] = .array(r.days.map(day)) }
        if let site = r.site { o2["site"] = BacktestSiteSummary.json(site) }
        return .object(o2)
    }

    static func round2(_ x: Double) -> Double { (x * 100).rounded() / 100 }
    static func round6(_ x: Double) -> Double { (x * 1e6).rounded() / 1e6 }
}
