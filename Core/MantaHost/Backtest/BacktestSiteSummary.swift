import MantaEngine
import MantaJSON
import MantaMarket

/// A backtest's site as JSON (summary's `site`): the meter's bill with the
/// batteries and without them, the saving, the cap and the demand peaks.
enum BacktestSiteSummary {
    static func json(_ s: SiteResult) -> JSON {
        let r2 = BacktestSummary.round2, r6 = BacktestSummary.round6
        func bill(_ b: SiteResult.Bill) -> JSON {
            var o = JSONObject([
                ("energy_aud", .number(r2(b.energyAUD))), ("network_aud", .number(r2(b.networkAUD))),
                ("demand_aud", .number(r2(b.demandAUD))), ("total_aud", .number(r2(b.totalAUD))),
                ("import_mwh", .number(r6(b.importMWh))), ("export_mwh", .number(r6(b.exportMWh))),
            ])
            if s.importCap != nil {
                o["peak_import_in_cap_window_w"] = .number(b.peakImportInCapWindowW.rounded())
                o["intervals_over_cap"] = .int(Int64(b.intervalsOverCap))
            }
            return .object(o)
        }
        func window(_ w: DailyWindow) -> [(String, JSON)] {
            [("from", .string(DailyWindow.hhmm(w.fromMinute))), ("to", .string(DailyWindow.hhmm(w.toMinute))),
             ("days", .array(w.dayList.map(JSON.string)))]
        }
        let period = s.demand?.period ?? .month
        return .object(JSONObject([
            ("name", .string(s.name)), ("layout", .string(s.layout)),
            ("load_mwh", .number(r6(s.loadMWh))), ("pv_mwh", .number(r6(s.pvMWh))),
            ("with_battery", bill(s.withBattery)), ("without_battery", bill(s.withoutBattery)),
            ("saving_aud", .number(r2(s.savingAUD))),
            ("energy_saving_aud", .number(r2(s.withoutBattery.energyAUD - s.withBattery.energyAUD))),
            ("demand_saving_aud", .number(r2(s.withoutBattery.demandAUD - s.withBattery.demandAUD))),
            ("import_cap", s.importCap.map { c in
                .object(JSONObject([("limit_w", .number(c.limitW))] + window(c.window) + [("intervals", .int(Int64(s.capIntervals)))]))
            } ?? .null),
            ("demand_tariff", s.demand.map { t in
                .object(JSONObject([
                    ("rate_aud", .number(t.rateAUD)), ("unit", .string(t.unit)), ("period", .string(t.period.rawValue)),
                    ("power_factor", t.powerFactor.map(JSON.number) ?? .null),
                ] + window(t.window)))
            } ?? .null),
            ("demand_peaks", .array(s.demandPeaks.map { p in
                let day = MarketTime.formatDate(p.startMs)
                return .object(JSONObject([
                    ("period", .string(period == .month ? String(day.prefix(7)) : day)),
                    ("with_battery", .number(r6(p.withBattery))), ("without_battery", .number(r6(p.withoutBattery))),
                ]))
            })),
        ]))
    }
}
