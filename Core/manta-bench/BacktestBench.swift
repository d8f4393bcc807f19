import Foundation
import MantaEngine
import MantaHost
import MantaIO
import MantaJSON
import MantaMarket
import MantaMarketFiles
import MantaModel

/// The Time Machine: a year of real 5-minute prices through strategies and
/// the perfect-foresight bound, against HiGHS on the same problem.
enum BacktestBench {
    static func median(_ runs: Int, _ body: () throws -> Void) rethrows -> Double {
        var times: [Double] = []
        for _ in 0..<runs {
            let t = WallClock.monotonicNs()
            try body()
            times.append(Double(WallClock.monotonicNs() - t) / 1e6)
        }
        return times.sorted()[runs / 2]
    }

    static func run(root: String, into report: inout Report) throws {
        let folder = "\(root)/../shared/data/nem/price_and_demand/VIC1"
        let files = (try FileSystem.list(folder)).filter { $0.contains("_2023") }.map { "\(folder)/\($0)" }
        guard files.count == 12 else { throw BenchError("needs the 2023 VIC1 files in ../shared/data") }
        let prices = try PriceFileLoader.load(files)
        let one = try BatteryArgument.parse("power_mw=1,energy_mwh=2,eta_rt=0.9,soc0=0.5")
        let fleet = try BatteryArgument.parse("power_mw=0.005,energy_mwh=0.0135,eta_rt=0.9,soc0=0.5,count=1000")
        let input = Backtest.Input(prices: prices, fleet: one)
        let catalog = (try? CatalogFile.load(near: "\(root)/Package.swift")) ?? (try! PointCatalog(points: []))

        var revenue = 0.0
        let swift = try median(7) { revenue = try Backtest.run(input, strategy: ThresholdStrategy()).revenueAUD }
        let plugin = try PluginStrategy(path: "\(root)/.build/release/libmanta_threshold.so", pluginDirs: ["\(root)/Plugins"],
                                        config: nil, catalog: catalog, logger: nil)
        var pluginRevenue = 0.0
        let c = try median(7) { pluginRevenue = try Backtest.run(input, strategy: plugin).revenueAUD }
        plugin.close()
        guard pluginRevenue == revenue else { throw BenchError("C and Swift threshold disagree: \(pluginRevenue) vs \(revenue)") }
        let thousand = try median(3) { _ = try Backtest.run(Backtest.Input(prices: prices, fleet: fleet), strategy: ThresholdStrategy()) }

        var bound = 0.0
        let rrp = prices.points.map(\.rrp)
        let lean = median(7) { bound = PerfectForesight.solve(prices: rrp, battery: one[0], schedule: false).revenue }
        let full = median(7) { _ = PerfectForesight.solve(prices: rrp, battery: one[0]) }
        let highs = HighsReference.run(root: root, script: "highs_bound.py", files)

        var rows: [[String]] = [
            ["threshold, Swift, in process", fixed(swift, 1), "<= 20", "", ""],
            ["threshold, C plugin through the ABI", fixed(c, 1), "<= 50", "in-process threshold", "\(fixed(c / swift, 1))x"],
            ["threshold, 1,000 batteries (5 kW / 13.5 kWh each)", fixed(thousand, 0), "<= 5,000",
             "1,000 x one battery in process", "\(fixed(thousand / (swift * 1000), 2))x"],
            ["perfect-foresight bound (value only)", fixed(lean, 1), "", "", ""],
            ["perfect-foresight bound with the schedule", fixed(full, 1), "", "", ""],
        ]
        // The reference is part of the measurement: a bench that cannot run
        // it fails, naming why, rather than printing a table without it.
        let (value, seconds) = try highs.get()
        rows.append(["HiGHS (highspy) on the same LP", fixed(seconds * 1000, 0), "", "Manta's bound, value only",
                     "Manta \(grouped(seconds * 1000 / lean))x faster"])
        rows.append(["  optimum: Manta \(fixed(bound, 4)) AUD, HiGHS \(fixed(value, 4)) AUD", "",
                     "same value", "relative difference", String(abs(bound - value) / value)])
        report.section(
            "Time Machine: one year of VIC1 5-minute prices (2023, 105,120 intervals)",
            command: "make bench   # needs highspy for the HiGHS row: scripts/install-deps --test",
            header: ["run", "ms (median)", "target ms", "reference (same run)", "ratio"],
            rows: rows,
            notes: ["One 1 MW / 2 MWh battery at 90% round trip starting half full, unless stated. Median of 7 runs (3 for the fleet). The C plugin and the Swift threshold earned the same \(fixed(revenue, 2)) AUD (checked on every run). HiGHS times only its solve, not building the LP in Python; the same LP is in scripts/highs_bound.py, which the tests also use."])
    }
}
