import MantaHost
import MantaEngine
import MantaIO
import MantaJSON
import MantaMarket
import MantaText

/// The report folder of an arena:
///
///     arena.json               the same object as `manta arena --json`
///     leaderboard.md           for people
///     cumulative-revenue.svg   each contender's cumulative revenue, and the bound's
///     monthly-CONTENDER.csv    each contender's monthly figures
///
/// Written beside its destination and renamed into place, as a backtest's.
public enum ArenaReport {
    /// Ten colours told apart at a glance (Tableau 10, grey left for the bound).
    static let palette = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1", "#76b7b2", "#edc948", "#9c755f",
                          "#ff9da7", "#17becf"]

    public static func write(_ o: Arena.Outcome, json: JSON, to dir: String) throws(FileError) {
        let staging = "\(Paths.absolute(dir)).partial"
        try FileSystem.removeTree(staging)
        try FileSystem.makeDirectories(staging)
        do throws(FileError) {
            try FileSystem.write(json.pretty() + "\n", to: "\(staging)/arena.json")
            try FileSystem.write(markdown(json), to: "\(staging)/leaderboard.md")
            try FileSystem.write(chart(o), to: "\(staging)/cumulative-revenue.svg")
            for e in o.entries {
                guard case .success(let out) = e.outcome else { continue }
                let name = e.contender.label.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" }
                try FileSystem.write(BacktestReport.periodsCSV(out.result.months, key: "month") { String(MarketTime.formatDate($0).prefix(7)) },
                                     to: "\(staging)/monthly-\(String(name)).csv")
            }
            try FileSystem.removeTree(dir)
            try FileSystem.move(staging, to: dir)
        } catch {
            try? FileSystem.removeTree(staging)
            throw error
        }
    }

    /// Cumulative revenue per day, one line per contender, the bound dashed.
    static func chart(_ o: Arena.Outcome) -> String {
        func daily(_ r: BacktestResult) -> [(Double, Double)] {
            var total = 0.0
            return [(0.0, 0.0)] + r.days.enumerated().map { i, d in
                total += d.revenueAUD
                return (Double(i + 1), total)
            }
        }
        let lines = o.entries.compactMap { e -> (String, [(Double, Double)])? in
            guard case .success(let out) = e.outcome else { return nil }
            return (e.contender.label, daily(out.result))
        }
        let bound = daily(o.optimal)
        let ys = (lines.flatMap { $0.1 } + bound).map(\.1)
        let days = Double(max(1, o.optimal.days.count))
        var c = SVGChart(width: 900, height: 480, title: "Cumulative revenue, \(o.optimal.region.code) "
                         + "\(MarketTime.formatDate(o.optimal.fromEndMs - 1)) to \(MarketTime.formatDate(o.optimal.toEndMs - 1))")
        let (lo, hi) = SVGChart.range(ys)
        let p = SVGChart.Panel(x: 90, y: 50, w: 780, h: 320, xMin: 0, xMax: days, yMin: lo, yMax: hi)
        let ticks = SVGChart.ticks(0, days, count: 6)
        c.axes(p, yTitle: "revenue (AUD)", xTicks: ticks) { MarketTime.formatDate(o.optimal.fromEndMs - 1 + Int64($0) * MarketTime.dayMs) }
        c.line(p, bound, color: "#868e96", width: 1.5)
        for (i, l) in lines.enumerated() { c.line(p, l.1, color: palette[i % palette.count], width: 2) }
        let items = [("perfect foresight", "#868e96")] + lines.enumerated().map { ($0.element.0, palette[$0.offset % palette.count]) }
        for (row, chunk) in stride(from: 0, to: items.count, by: 4).enumerated() {
            c.legend(Array(items[chunk..<min(items.count, chunk + 4)]), x: 90, y: 410 + Double(row) * 18)
        }
        return c.render()
    }

    static func markdown(_ j: JSON) -> String {
        let n = j["batteries"]?.integer ?? 0, batteries = n == 1 ? "1 battery" : "\(n) batteries"
        var md = """
            # Arena: \(j["region"]?.string ?? "") \(j["from"]?.string ?? "") to \(j["to"]?.string ?? "")

            \(j["intervals"]?.integer ?? 0) intervals, \(batteries) (\(j["power_mw"]?.serialized() ?? "") MW); \
            perfect-foresight bound \(j["optimal_revenue_aud"]?.serialized() ?? "") AUD.

            | rank | strategy | revenue (AUD) | of which FCAS (AUD) | per MW (AUD) | capture | cycles | worst day | run (s) |
            | --- | --- | --- | --- | --- | --- | --- | --- | --- |

            """
        for row in j["leaderboard"]?.array ?? [] {
            if let error = row["error"]?.string {
                md += "| \(row["rank"]?.serialized() ?? "") | \(row["strategy"]?.string ?? "") | failed: \(error) | | | | | | |\n"
                continue
            }
            let worst = row["worst_day"].map { "\($0["date"]?.string ?? "") (\($0["revenue_aud"]?.serialized() ?? ""))" } ?? ""
            md += "| \(row["rank"]?.serialized() ?? "") | \(row["strategy"]?.string ?? "") | \(row["revenue_aud"]?.serialized() ?? "") | "
                + "\(row["fcas_revenue_aud"]?.serialized() ?? "") | "
                + "\(row["revenue_per_mw"]?.serialized() ?? "") | \(NumberText.fixed((row["capture_ratio"]?.number ?? .nan) * 100, 1)) % | "
                + "\(NumberText.fixed(row["cycles"]?.number ?? .nan, 1)) | \(worst) | \(NumberText.fixed(row["elapsed_s"]?.number ?? .nan, 2)) |\n"
        }
        return md + "\n![cumulative revenue](cumulative-revenue.svg)\n"
    }
}
