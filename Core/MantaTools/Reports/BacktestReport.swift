import MantaHost
import MantaEngine
import MantaIO
import MantaJSON
import MantaMarket
import MantaText

/// The report folder of a backtest:
///
///     settlement.csv        one row per interval: end, price, power, energy, SOC, revenue
///     daily.csv, monthly.csv
///     summary.json          the same object as `--json`
///     summary.md            for people
///     day-YYYY-MM-DD.svg    one day's price against charge/discharge and SOC
///     monthly-revenue.svg
///     revenue-by-market.svg energy and each FCAS service (when FCAS was traded)
///
/// Written into a sibling folder and renamed into place, so a failed run
/// never leaves a half-written report.
public enum BacktestReport {
    public static func write(_ o: BacktestOutcome, summary: JSON, to dir: String, chartDay: Int64?) throws(FileError) {
        let r = o.result
        let day = try pickDay(r, chartDay)  // refuse a bad day before touching the disk
        let staging = "\(Paths.absolute(dir)).partial"
        try FileSystem.removeTree(staging)
        try FileSystem.makeDirectories(staging)
        do throws(FileError) {
            try fill(staging, o, summary: summary, day: day)
            try FileSystem.removeTree(dir)
            try FileSystem.move(staging, to: dir)
        } catch {
            try? FileSystem.removeTree(staging)
            throw error
        }
    }

    private static func fill(_ staging: String, _ o: BacktestOutcome, summary: JSON, day: Int64) throws(FileError) {
        let r = o.result
        try FileSystem.write(settlementCSV(r), to: "\(staging)/settlement.csv")
        try FileSystem.write(periodsCSV(r.days, key: "date", label: { MarketTime.formatDate($0) }), to: "\(staging)/daily.csv")
        try FileSystem.write(periodsCSV(r.months, key: "month", label: { String(MarketTime.formatDate($0).prefix(7)) }),
                             to: "\(staging)/monthly.csv")
        try FileSystem.write(summary.pretty() + "\n", to: "\(staging)/summary.json")
        try FileSystem.write(markdown(o, summary: summary, day: day), to: "\(staging)/summary.md")
        try FileSystem.write(dayChart(r, day: day), to: "\(staging)/day-\(MarketTime.formatDate(day)).svg")
        try FileSystem.write(monthlyChart(o), to: "\(staging)/monthly-revenue.svg")
        if !r.fcasServices.isEmpty { try FileSystem.write(marketChart(r), to: "\(staging)/revenue-by-market.svg") }
    }

    /// Revenue by market: energy (after throughput cost) and each FCAS service traded.
    static func marketChart(_ r: BacktestResult) -> String {
        let items = [("energy", r.energyRevenueAUD)] + r.fcasServices.map { ($0.name, r.fcasRevenueAUD[$0.rawValue]) }
        var c = SVGChart(width: 900, height: 420, title: "Revenue by market: \(r.strategy), \(SVGChart.f(r.revenueAUD)) AUD "
                         + "(FCAS \(SVGChart.f(r.fcasRevenueTotalAUD)))")
        let (lo, hi) = SVGChart.range(items.map(\.1))
        let p = SVGChart.Panel(x: 80, y: 50, w: 800, h: 300, xMin: 0, xMax: Double(items.count), yMin: lo, yMax: hi)
        c.axes(p, yTitle: "revenue (AUD)", xTicks: items.indices.map { Double($0) + 0.5 }) { items[Int($0)].0 }
        c.bars(p, items.enumerated().map { (Double($0.offset) + 0.15, $0.element.1) }, barWidth: 0.7,
               positive: "#1971c2", negative: "#c92a2a")
        return c.render()
    }

    /// The day to chart: the one asked for (it must be in the run), else the best.
    static func pickDay(_ r: BacktestResult, _ asked: Int64?) throws(FileError) -> Int64 {
        if let asked {
            let start = MarketTime.dayStart(asked)
            guard r.days.contains(where: { $0.startMs == start }) else {
                throw FileError("--day", "\(MarketTime.formatDate(asked)) is not in the backtest (\(MarketTime.formatDate(r.fromEndMs - 1)) to \(MarketTime.formatDate(r.toEndMs - 1)))")
            }
            return start
        }
        return r.bestDay?.startMs ?? MarketTime.dayStart(r.fromEndMs - 1)
    }

    /// With FCAS traded, a last column `fcas_revenue_aud` says how much of
    /// each interval's revenue was FCAS availability.
    static func settlementCSV(_ r: BacktestResult) -> String {
        let s = r.series, fcas = !s.fcasRevenueAUD.isEmpty, site = r.site
        var out = "interval_end,interval_end_ms,price_aud_mwh,power_mw,energy_mwh,soc,revenue_aud\(fcas ? ",fcas_revenue_aud" : "")"
            + (site == nil ? "\n" : ",site_load_w,site_pv_w,site_grid_w\n")
        for i in s.price.indices {
            let end = s.endMs(i)
            out += "\(MarketTime.iso(end)),\(end),\(NumberText.rounded(s.price[i])),\(NumberText.rounded(s.powerMW[i], 6)),\(NumberText.rounded(s.energyMWh[i], 6)),"
                + "\(NumberText.rounded(s.energyMWh[i] / r.fleetEnergyMWh, 6)),\(NumberText.rounded(s.revenueAUD[i], 4))"
                + (fcas ? ",\(NumberText.rounded(s.fcasRevenueAUD[i], 4))" : "")
            if let site, i < site.gridW.count {
                out += ",\(NumberText.rounded(site.loadW[i], 3)),\(NumberText.rounded(site.pvW[i], 3)),\(NumberText.rounded(site.gridW[i], 3))"
            }
            out += "\n"
        }
        return out
    }

    static func periodsCSV(_ periods: [BacktestResult.Period], key: String, label: (Int64) -> String) -> String {
        var out = "\(key),revenue_aud,charged_mwh,discharged_mwh,intervals\n"
        for p in periods {
            out += "\(label(p.startMs)),\(NumberText.rounded(p.revenueAUD, 2)),\(NumberText.rounded(p.chargedMWh, 6)),\(NumberText.rounded(p.dischargedMWh, 6)),\(p.intervals)\n"
        }
        return out
    }

    static func dayChart(_ r: BacktestResult, day: Int64) -> String {
        let s = r.series
        let first = Int((day + MarketTime.intervalMs - s.firstEndMs) / MarketTime.intervalMs)
        let idx = (max(0, first)..<min(s.price.count, first + MarketTime.intervalsPerDay))
        let hours = { (i: Int) in Double(s.endMs(i) - MarketTime.intervalMs - day) / 3_600_000 }
        let revenue = idx.reduce(0) { $0 + (s.revenueAUD[$1].isFinite ? s.revenueAUD[$1] : 0) }
        var c = SVGChart(width: 900, height: 640,
                         title: "\(r.region.code) \(MarketTime.formatDate(day)): \(r.strategy), revenue \(SVGChart.f(revenue)) AUD")
        let w = 800.0, x0 = 80.0
        func panel(_ y: Double, _ h: Double, _ range: (Double, Double)) -> SVGChart.Panel {
            SVGChart.Panel(x: x0, y: y, w: w, h: h, xMin: 0, xMax: 24, yMin: range.0, yMax: range.1)
        }
        let hourTicks = stride(from: 0.0, through: 24, by: 3).map { $0 }
        let hourLabel = { (h: Double) in h < 10 ? "0\(Int(h)):00" : "\(Int(h)):00" }
        let price = panel(45, 160, SVGChart.range(idx.map { s.price[$0] }))
        c.axes(price, yTitle: "RRP (AUD/MWh)", xTicks: hourTicks, xLabel: hourLabel)
        c.line(price, idx.flatMap { [(hours($0), s.price[$0]), (hours($0) + 1.0 / 12, s.price[$0])] }, color: "#333")
        let power = panel(245, 160, SVGChart.range(idx.map { s.powerMW[$0] }))
        c.axes(power, yTitle: "power (MW)", xTicks: hourTicks, xLabel: hourLabel)
        c.bars(power, idx.map { (hours($0), s.powerMW[$0]) }, barWidth: 1.0 / 12, positive: "#e8590c", negative: "#1c7ed6")
        c.legend([("discharge (export)", "#e8590c"), ("charge", "#1c7ed6")], x: x0, y: 238)
        let soc = panel(445, 160, (0, 100))
        c.axes(soc, yTitle: "state of charge (%)", xTicks: hourTicks, xLabel: hourLabel)
        c.line(soc, idx.map { (hours($0) + 1.0 / 12, s.energyMWh[$0] / r.fleetEnergyMWh * 100) }, color: "#2b8a3e")
        c.text("interval start, market time (UTC+10)", x: x0 + w / 2, y: 632, size: 11, anchor: "middle", color: "#666")
        return c.render()
    }

    static func monthlyChart(_ o: BacktestOutcome) -> String {
        let months = o.result.months
        var c = SVGChart(width: 900, height: 420, title: "Monthly revenue: \(o.result.strategy), \(SVGChart.f(o.result.revenueAUD)) AUD, "
                         + "\(SVGChart.f(o.captureRatio * 100))% of perfect foresight")
        let p = SVGChart.Panel(x: 80, y: 50, w: 800, h: 300, xMin: 0, xMax: Double(max(1, months.count)),
                               yMin: SVGChart.range(months.map(\.revenueAUD)).0, yMax: SVGChart.range(months.map(\.revenueAUD)).1)
        c.axes(p, yTitle: "revenue (AUD)", xTicks: months.indices.map { Double($0) + 0.5 }) { v in
            String(MarketTime.formatDate(months[Int(v)].startMs).prefix(7))
        }
        c.bars(p, months.enumerated().map { (Double($0.offset) + 0.15, $0.element.revenueAUD) }, barWidth: 0.7,
               positive: "#2b8a3e", negative: "#c92a2a")
        return c.render()
    }

    static func markdown(_ o: BacktestOutcome, summary s: JSON, day: Int64) -> String {
        let r = o.result
        func v(_ k: String) -> String { s[k].map { $0.serialized() } ?? "-" }
        var md = """
            # Backtest: \(r.strategy), \(r.region.code)

            \(s["from"]?.string ?? "") to \(s["to"]?.string ?? "") (interval ends, market time), \(r.intervals) intervals, \
            \(s["batteries"]?.integer ?? 0) batteries: \(v("power_mw")) MW / \(v("energy_mwh")) MWh.

            | figure | value |
            | --- | --- |
            | revenue (AUD) | \(v("revenue_aud")) |
            | perfect-foresight bound (AUD) | \(v("optimal_revenue_aud")) |
            | capture ratio | \(v("capture_ratio")) |
            | revenue per MW (AUD) | \(v("revenue_per_mw")) |
            | charged / discharged (MWh) | \(v("charged_mwh")) / \(v("discharged_mwh")) |
            | average buy / sell price (AUD/MWh) | \(v("avg_buy_price")) / \(v("avg_sell_price")) |
            | equivalent full cycles | \(v("cycles")) |
            | worst day | \(s["worst_day"]?["date"]?.string ?? "-") (\(s["worst_day"]?["revenue_aud"]?.serialized() ?? "-") AUD) |
            | daily revenue standard deviation (AUD) | \(s["risk"]?["daily_revenue_stdev_aud"]?.serialized() ?? "-") |
            | losing days | \(s["risk"]?["negative_days"]?.serialized() ?? "-") |
            | maximum drawdown (AUD) | \(s["risk"]?["max_drawdown_aud"]?.serialized() ?? "-") |

            ![day](day-\(MarketTime.formatDate(day)).svg)

            ![monthly revenue](monthly-revenue.svg)
            \(r.fcasServices.isEmpty ? "" : "\n| market | revenue (AUD) |\n| --- | --- |\n| energy | \(v("energy_revenue_aud")) |\n"
                + r.fcasServices.map { "| \($0.name) | \(s["fcas_revenue_by_service"]?[$0.name]?.serialized() ?? "-") |" }.joined(separator: "\n")
                + "\n\n![revenue by market](revenue-by-market.svg)\n")

            | month | revenue (AUD) | charged (MWh) | discharged (MWh) |
            | --- | --- | --- | --- |

            """
        for m in s["monthly"]?.array ?? [] {
            md += "| \(m["month"]?.string ?? "") | \(m["revenue_aud"]?.serialized() ?? "") | \(m["charged_mwh"]?.serialized() ?? "") | \(m["discharged_mwh"]?.serialized() ?? "") |\n"
        }
        if let site = s["site"]?.object {
            func cell(_ b: String, _ k: String) -> String { site[b]?[k]?.serialized() ?? "-" }
            md += "\n## Site \(site["name"]?.string ?? "") (\(site["layout"]?.string ?? ""))\n\n| AUD | with battery | without | saving |\n| --- | --- | --- | --- |\n"
            for (label, k) in [("energy", "energy_aud"), ("network", "network_aud"), ("demand", "demand_aud"), ("total", "total_aud")] {
                let saving = (site["without_battery"]?[k]?.number ?? 0) - (site["with_battery"]?[k]?.number ?? 0)
                md += "| \(label) | \(cell("with_battery", k)) | \(cell("without_battery", k)) | \(NumberText.fixed(saving, 2)) |\n"
            }
        }
        return md
    }
}
