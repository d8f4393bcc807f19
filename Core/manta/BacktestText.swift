import MantaHost
import MantaIO
import MantaJSON
import MantaText

/// A backtest summary for people.
enum BacktestText {
    static func render(_ o: BacktestOutcome, summary s: JSON, report: String?) -> String {
        func n(_ key: String, _ places: Int = 2) -> String {
            guard let v = s[key]?.number else { return "-" }
            return NumberText.fixed(v, places)
        }
        let r = o.result
        var lines = [
            "\(s["strategy"]?.string ?? "") on \(s["region"]?.string ?? "") from \(s["from"]?.string ?? "") to \(s["to"]?.string ?? "")",
            "  \(s["batteries"]?.integer ?? 0) batter\(s["batteries"]?.integer == 1 ? "y" : "ies"): \(n("power_mw", 3)) MW / \(n("energy_mwh", 3)) MWh, \(r.intervals) intervals" + (r.idleIntervals > 0 ? " (\(r.idleIntervals) missing, idled)" : ""),
            "",
            "  revenue            \(n("revenue_aud")) AUD    (\(n("revenue_per_mw")) AUD per MW)",
            "  perfect foresight  \(n("optimal_revenue_aud")) AUD",
            "  capture ratio      \(NumberText.fixed((s["capture_ratio"]?.number ?? .nan) * 100, 1)) %",
            "  energy             \(n("charged_mwh", 3)) MWh charged at \(n("avg_buy_price")) AUD/MWh, \(n("discharged_mwh", 3)) MWh discharged at \(n("avg_sell_price")) AUD/MWh",
            "  cycles             \(n("cycles", 1)) equivalent full cycles",
        ]
        if let w = s["worst_day"]?.object, let b = s["best_day"]?.object {
            lines.append("  worst day          \(w["date"]?.string ?? "") \(NumberText.fixed(w["revenue_aud"]?.number ?? 0, 2)) AUD; best \(b["date"]?.string ?? "") \(NumberText.fixed(b["revenue_aud"]?.number ?? 0, 2)) AUD")
        }
        if let risk = s["risk"]?.object {
            lines.append("  risk               daily stdev \(NumberText.fixed(risk["daily_revenue_stdev_aud"]?.number ?? 0, 2)) AUD, \(risk["negative_days"]?.integer ?? 0) losing days, max drawdown \(NumberText.fixed(risk["max_drawdown_aud"]?.number ?? 0, 2)) AUD")
        }
        if let site = s["site"]?.object { lines += siteLines(site) }
        if r.strategyErrors > 0 {
            lines.append("  strategy errors    \(r.strategyErrors) intervals held; first: \(r.firstStrategyError ?? "")")
        }
        lines.append("  time               \(NumberText.fixed(o.runSeconds * 1000, 1)) ms run, \(NumberText.fixed(o.boundSeconds * 1000, 1)) ms bound, \(NumberText.fixed(o.loadSeconds * 1000, 1)) ms loading prices")
        lines.append("")
        lines.append("  month      revenue AUD   charged MWh   discharged MWh")
        for m in s["monthly"]?.array ?? [] {
            lines.append("  \((m["month"]?.string ?? "").padded(9))  \(NumberText.fixed(m["revenue_aud"]?.number ?? 0, 2).leftPadded(11))   \(NumberText.fixed(m["charged_mwh"]?.number ?? 0, 3).leftPadded(11))   \(NumberText.fixed(m["discharged_mwh"]?.number ?? 0, 3).leftPadded(14))")
        }
        if let report { lines += ["", "  report written to \(report)/"] }
        return lines.joined(separator: "\n")
    }

    /// The site's bill with the batteries and without, and its cap.
    static func siteLines(_ site: JSONObject) -> [String] {
        let with = site["with_battery"]?.object, without = site["without_battery"]?.object
        func row(_ label: String, _ key: String) -> String {
            let a = with?[key]?.number ?? 0, b = without?[key]?.number ?? 0
            return "    \(label.padded(15))\(NumberText.fixed(a, 2).leftPadded(12))  \(NumberText.fixed(b, 2).leftPadded(12))  \(NumberText.fixed(b - a, 2).leftPadded(10))"
        }
        var out = [
            "  site               \(site["name"]?.string ?? "") (\(site["layout"]?.string ?? "")): \(NumberText.fixed(site["load_mwh"]?.number ?? 0, 3)) MWh load, \(NumberText.fixed(site["pv_mwh"]?.number ?? 0, 3)) MWh PV",
            "    \("AUD".padded(15))\("with battery".leftPadded(12))  \("without".leftPadded(12))  \("saving".leftPadded(10))",
            row("energy", "energy_aud"), row("network", "network_aud"), row("demand", "demand_aud"), row("total", "total_aud"),
        ]
        if let cap = site["import_cap"]?.object {
            func peak(_ b: JSONObject?) -> String { NumberText.fixed(b?["peak_import_in_cap_window_w"]?.number ?? 0, 0) }
            out.append("    import cap \(NumberText.fixed(cap["limit_w"]?.number ?? 0, 0)) W \(cap["from"]?.string ?? "")-\(cap["to"]?.string ?? ""): peak \(peak(with)) W with battery, \(peak(without)) W without; "
                + "\(with?["intervals_over_cap"]?.integer ?? 0) of \(cap["intervals"]?.integer ?? 0) intervals over it (\(without?["intervals_over_cap"]?.integer ?? 0) without)")
        }
        return out
    }
}
