import MantaEngine
import MantaHost
import MantaIO
import MantaJSON
import MantaModel

/// The shipped strategies over full real years, against the
/// perfect-foresight bound, and the arena's wall time on 2 cores.
enum ArenaBench {
    static func run(root: String, into report: inout Report) throws {
        let catalog = (try? CatalogFile.load(near: "\(root)/Package.swift")) ?? (try! PointCatalog(points: []))
        let battery = try BatteryArgument.parse("power_mw=1,energy_mwh=2,eta_rt=0.9,soc0=0.5")
        func year(_ region: String, _ year: String) throws -> BacktestRequest {
            let folder = "\(root)/../shared/data/nem/price_and_demand/\(region)"
            let files = try FileSystem.list(folder).filter { $0.contains("_\(year)") }.map { "\(folder)/\($0)" }
            guard files.count == 12 else { throw BenchError("needs the \(year) \(region) files in ../shared/data") }
            return BacktestRequest(prices: files, strategy: "", batteries: battery)
        }
        let shipped = BuiltInStrategies.names.map { Arena.Contender(label: $0, strategy: $0) }

        var rows: [[String]] = []
        var best: [String: (String, Double)] = [:]
        for (region, y) in [("VIC1", "2023"), ("SA1", "2022")] {
            print("  \(region) \(y): \(shipped.count) strategies and the oracle...")
            let request = try year(region, y)
            let outcome = try Arena.run(request, contenders: shipped, workers: 2, catalog: catalog, logger: nil)
            for e in outcome.entries {
                guard case .success(let o) = e.outcome else { throw BenchError("\(e.contender.label) failed") }
                let capture = o.result.revenueAUD / outcome.optimal.revenueAUD
                if capture > best[region]?.1 ?? -1 { best[region] = (e.contender.label, capture) }
                rows.append(["\(region) \(y)", e.contender.label, grouped(o.result.revenueAUD), "\(fixed(capture * 100, 1)) %",
                             fixed(o.result.cycles, 0), fixed(o.runSeconds, 2)])
            }
            // The oracle: the MPC with the true prices as its forecast. Not a
            // contender (it sees the future); it shows what forecasting could add.
            var o = request
            o.strategy = "mpc-oracle"
            let oracle = try BacktestJob.run(o, catalog: catalog, logger: nil)
            rows.append(["\(region) \(y)", "mpc-oracle (sees the future; reference only)", grouped(oracle.result.revenueAUD),
                         "\(fixed(oracle.result.revenueAUD / outcome.optimal.revenueAUD * 100, 1)) %", fixed(oracle.result.cycles, 0),
                         fixed(oracle.runSeconds, 2)])
            rows.append(["\(region) \(y)", "perfect-foresight bound", grouped(outcome.optimal.revenueAUD), "100.0 %",
                         fixed(outcome.optimal.cycles, 0), ""])
        }
        report.section(
            "Strategies: capture of the perfect-foresight revenue over a full year",
            command: "make bench   # or: .build/release/manta-bench --only arena",
            header: ["year", "strategy", "revenue AUD", "capture", "cycles", "run s"],
            rows: rows,
            notes: ["One 1 MW / 2 MWh battery at 90% round trip starting half full; 105,120 intervals each. No strategy sees a price before its interval (tested in MantaEngineTests NoLookAhead). Best without look-ahead: "
                    + best.sorted { $0.key > $1.key }.map { "\($0.key) \($0.value.0) \(fixed($0.value.1 * 100, 1)) %" }.joined(separator: ", ") + "."])

        // Eight contenders, three of them with tuned configs, optimisers included.
        let eight = shipped + [
            Arena.Contender(label: "mpc-seasonal-weekday", strategy: "mpc-seasonal", config: ["by_weekday": true, "lookback": 4]),
            Arena.Contender(label: "mpc-regression-8h", strategy: "mpc-regression", config: ["horizon": 96]),
            Arena.Contender(label: "rules-evening-peak", strategy: "rules",
                            config: try JSON.parse(try FileSystem.readText("\(root)/examples/rules/evening-peak.json"))),
        ]
        print("  an arena of \(eight.count) on SA1 2022, on 2 workers and on 1...")
        let request = try year("SA1", "2022")
        let parallel = try Arena.run(request, contenders: eight, workers: 2, catalog: catalog, logger: nil)
        let serial = try Arena.run(request, contenders: eight, workers: 1, catalog: catalog, logger: nil)
        for e in parallel.entries { guard case .success = e.outcome else { throw BenchError("\(e.contender.label) failed") } }
        report.section(
            "Arena: \(eight.count) contenders over one year (SA1 2022) on 2 cores",
            command: "make bench   # or: .build/release/manta-bench --only arena",
            header: ["run", "wall s", "target s", "reference (same run)", "ratio"],
            rows: [
                ["\(eight.count) contenders on 2 workers, end to end", fixed(total(parallel), 2), "<= 10",
                 "the same on 1 worker: \(fixed(total(serial), 2)) s", "\(fixed(total(serial) / total(parallel), 2))x faster"],
                ["  of which loading the year's prices and solving the bound", fixed(parallel.loadSeconds, 2), "", "", ""],
            ],
            notes: ["Contenders: \(eight.map(\.label).joined(separator: ", ")). Ranking: \(ranking(parallel))."])
        print("  the Python bridge...")
        try python(root: root, catalog: catalog, into: &report)
    }

    /// The Python bridge: a model that answers at once (what the bridge
    /// itself costs), and the example model, per decision.
    static func python(root: String, catalog: PointCatalog, into report: inout Report) throws {
        let folder = "\(root)/../shared/data/nem/price_and_demand/VIC1"
        var request = BacktestRequest(prices: ["\(folder)/PRICE_AND_DEMAND_202301_VIC1.csv"], strategy: "",
                                      batteries: try BatteryArgument.parse("power_mw=1,energy_mwh=2,eta_rt=0.9,soc0=0.5"))
        request.pluginDirs = ["\(root)/Plugins"]
        func perDecision(_ strategy: String, _ config: JSON?) throws -> (us: Double, errors: Int) {
            request.strategy = strategy
            request.strategyConfig = config
            let o = try BacktestJob.run(request, catalog: catalog, logger: nil)
            return (o.runSeconds * 1e6 / Double(o.result.intervals), o.result.strategyErrors)
        }
        let so = "\(root)/.build/release/libmanta_python.so"
        let c = try perDecision("\(root)/.build/release/libmanta_threshold.so", nil)
        let echo = try perDecision(so, ["script": .string("\(root)/Tests/Fixtures/models/misbehaving.py")])
        let band = try perDecision(so, ["script": .string("\(root)/examples/models/band_model.py")])
        guard echo.errors == 0, band.errors == 0 else { throw BenchError("a Python model failed in the benchmark") }
        report.section(
            "Python model bridge: one month (VIC1 2023-01, 8,928 decisions)",
            command: "make bench   # or: .build/release/manta-bench --only arena",
            header: ["strategy", "µs per decision", "reference (same run)", "ratio"],
            rows: [
                ["a Python model that answers at once (Tests/Fixtures/models/misbehaving.py)", fixed(echo.us, 1),
                 "C threshold plugin: \(fixed(c.us, 2)) µs", "\(grouped(echo.us / c.us))x"],
                ["the example band model (examples/models/band_model.py)", fixed(band.us, 1), "the model that answers at once",
                 "\(fixed(band.us / echo.us, 1))x"],
            ],
            notes: ["Each decision is a JSON-RPC request down a pipe, a Python json.loads/json.dumps and the answer back; the first row is the bridge's own cost, the second adds the model's work (sorting a day of prices each interval)."])
    }

    static func total(_ o: Arena.Outcome) -> Double { o.loadSeconds + o.wallSeconds }

    static func ranking(_ o: Arena.Outcome) -> String {
        var parts: [String] = []
        for e in o.entries {
            guard case .success(let r) = e.outcome else { continue }
            parts.append("\(e.contender.label) \(fixed(r.result.revenueAUD / o.optimal.revenueAUD * 100, 1)) %")
        }
        return parts.joined(separator: ", ")
    }
}
