import MantaIO
import MantaJSON
import MantaMarket

/// The report folder of a live fleet's settlement (`manta report`), from a
/// running host's settlement.*, reports.* answers:
///
///     settlement.csv   one row per VPP and interval (the latest revision)
///     daily.csv, monthly.csv  per period and VPP
///     by_hour.csv, by_strategy.csv, by_region.csv  revenue analysis
///     by_site.csv, by_device.csv  energy by resource (FCAS is the VPP's)
///     vpp_events.csv, der_events.csv
///     summary.json     settlement.summary's answer
///     daily-revenue.svg
///
/// Money columns are written at full precision, in the host's row order,
/// so that each file's rows sum to summary.json's totals exactly. Written
/// into a sibling folder and renamed into place.
public enum SettlementReport {
    /// AEMO's FCAS service names in MANTA_FCAS_* order.
    static let services = FCASService.allCases.map(\.name)
    static let money = ["energy_aud"] + services.map { "\($0)_aud" } + ["fcas_aud", "cost_aud", "network_aud", "demand_aud", "total_aud"]

    public struct Input {
        public var summary: JSON
        public var intervals: [JSON]
        public var daily: [JSON]
        public var monthly: [JSON]
        public var vppEvents: [JSON]
        public var derEvents: [JSON]
        public var sites: [JSON] = []
        public var devices: [JSON] = []
        public init(summary: JSON, intervals: [JSON], daily: [JSON], monthly: [JSON], vppEvents: [JSON], derEvents: [JSON]) {
            self.summary = summary
            self.intervals = intervals
            self.daily = daily
            self.monthly = monthly
            self.vppEvents = vppEvents
            self.derEvents = derEvents
        }
    }

    public static func write(_ input: Input, to dir: String) throws(FileError) {
        let staging = "\(Paths.absolute(dir)).partial"
        try FileSystem.removeTree(staging)
        try FileSystem.makeDirectories(staging)
        do throws(FileError) {
            let s = input.summary
            try FileSystem.write(csv(["vpp", "interval_end", "region", "strategy", "revision", "rrp", "energy_mwh"] + money,
                                     input.intervals, { r in
                                         [r["vpp"], r["interval_end"], r["region"], r["strategy"], r["revision"], r["rrp"],
                                          r["energy_wh"]?.number.map { .double($0 / 1e6) }]
                                     }), to: "\(staging)/settlement.csv")
            try FileSystem.write(csv(["day", "vpp", "intervals", "energy_mwh"] + money, input.daily, { r in
                [r["day"], r["vpp"], r["intervals"], r["energy_mwh"]]
            }), to: "\(staging)/daily.csv")
            try FileSystem.write(csv(["month", "vpp", "intervals", "energy_mwh"] + money, input.monthly, { r in
                [r["month"], r["vpp"], r["intervals"], r["energy_mwh"]]
            }), to: "\(staging)/monthly.csv")
            for (name, key) in [("by_hour", "hour"), ("by_strategy", "strategy"), ("by_region", "region")] {
                try FileSystem.write(csv([key, "intervals", "energy_mwh"] + money, s[name]?.array ?? [], { r in
                    [r[key], r["intervals"], r["energy_mwh"]]
                }), to: "\(staging)/\(name).csv")
            }
            for (name, rows, keys) in [("by_site", input.sites, ["site"]), ("by_device", input.devices, ["device", "site"])] {
                let columns = keys + ["intervals", "energy_mwh", "discharged_mwh", "energy_aud", "cost_aud", "network_aud", "demand_aud",
                                      "total_aud"]
                var out = columns.joined(separator: ",") + "\n"
                for r in rows { out += columns.map { cell(r[$0]) }.joined(separator: ",") + "\n" }
                try FileSystem.write(out, to: "\(staging)/\(name).csv")
            }
            for (name, rows) in [("vpp_events", input.vppEvents), ("der_events", input.derEvents)] {
                var out = "t,severity,source,kind,message\n"
                for e in rows { out += [e["t"], e["severity"], e["source"], e["kind"], e["message"]].map(cell).joined(separator: ",") + "\n" }
                try FileSystem.write(out, to: "\(staging)/\(name).csv")
            }
            try FileSystem.write(s.pretty() + "\n", to: "\(staging)/summary.json")
            try FileSystem.write(dailyChart(s), to: "\(staging)/daily-revenue.svg")
            try FileSystem.removeTree(dir)
            try FileSystem.move(staging, to: dir)
        } catch {
            try? FileSystem.removeTree(staging)
            throw error
        }
    }

    /// Rows of `keys(row)` then the money columns (an FCAS service from the row's `fcas` object, 0 when absent).
    static func csv(_ header: [String], _ rows: [JSON], _ keys: (JSON) -> [JSON?]) -> String {
        var out = header.joined(separator: ",") + "\n"
        for r in rows {
            let fcas = r["fcas"]
            let amounts: [JSON?] = [r["energy_aud"]] + services.map { fcas?[$0] ?? .int(0) }
                + [r["fcas_aud"], r["cost_aud"], r["network_aud"], r["demand_aud"], r["total_aud"]]
            out += (keys(r) + amounts).map(cell).joined(separator: ",") + "\n"
        }
        return out
    }

    /// A CSV cell: numbers at full precision (they round-trip), text quoted when it must be.
    static func cell(_ v: JSON?) -> String {
        switch v {
        case .int(let i)?: return String(i)
        case .double(let d)?: return d.isFinite ? "\(d)" : ""
        case .string(let s)?:
            return s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\"" : s
        case .bool(let b)?: return b ? "true" : "false"
        default: return ""
        }
    }

    static func dailyChart(_ s: JSON) -> String {
        let days = s["by_day"]?.array ?? []
        var c = SVGChart(width: 900, height: 420, title: "Settled revenue by day: \(SVGChart.f(s["total_aud"]?.number ?? 0)) AUD "
                         + "(FCAS \(SVGChart.f(s["fcas_aud"]?.number ?? 0)))")
        let energy = days.enumerated().map { (x: Double($0.offset) + 0.5, y: $0.element["energy_aud"]?.number ?? 0) }
        let fcas = days.enumerated().map { (x: Double($0.offset) + 0.5, y: $0.element["fcas_aud"]?.number ?? 0) }
        let (lo, hi) = SVGChart.range(energy.map(\.y) + fcas.map(\.y) + [0])
        let p = SVGChart.Panel(x: 80, y: 50, w: 800, h: 300, xMin: 0, xMax: Double(max(1, days.count)), yMin: lo, yMax: hi)
        let step = max(1, days.count / 10)
        c.axes(p, yTitle: "AUD", xTicks: stride(from: 0, to: days.count, by: step).map { Double($0) + 0.5 }) { x in
            let i = Int(x)
            return i < days.count ? String((days[i]["day"]?.string ?? "").suffix(5)) : ""
        }
        c.bars(p, energy.map { (x: $0.x - 0.2, y: $0.y) }, barWidth: 0.4, positive: "#2b7bb9", negative: "#c0392b")
        c.bars(p, fcas.map { (x: $0.x + 0.2, y: $0.y) }, barWidth: 0.4, positive: "#27ae60", negative: "#8e44ad")
        c.legend([("energy", "#2b7bb9"), ("FCAS", "#27ae60")], x: 100, y: 380)
        return c.render()
    }
}
