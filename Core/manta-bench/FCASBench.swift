import MantaEngine
import MantaIO
import MantaMarket
import MantaMarketFiles

/// The co-optimised energy + FCAS bound on a complete real month, against
/// HiGHS solving the same LP in the same run.
enum FCASBench {
    static func run(root: String, into report: inout Report) throws {
        let file = "\(root)/../shared/data/nem/dispatch_fcas/DISPATCHPRICE_202101.CSV"
        guard FileSystem.exists(file) else { throw BenchError("needs \(file) (../shared/data)") }
        var rows: [[String]] = []
        let one = try BatteryArgument.parse("power_mw=1,energy_mwh=2,eta_rt=0.9,soc0=0.5")[0]
        for region in [Region.nsw1, .sa1] {
            let prices = try PriceFileLoader.load([file], region: region)
            let rrp = Backtest.grid(prices).rrp, fcas = Backtest.fcasGrid(prices)
            var solution: CoOptimisedBound.Solution?
            let manta = try BacktestBench.median(3) { solution = try CoOptimisedBound.solve(prices: rrp, fcas: fcas, battery: one) }
            guard let s = solution else { return }
            var energyOnly = 0.0
            let slope = BacktestBench.median(3) {
                energyOnly = PerfectForesight.solve(prices: rrp, battery: one, schedule: false).revenue
            }
            let (value, seconds) = try HighsReference.run(root: root, script: "highs_fcas_bound.py",
                                                          [file, "--region", region.code]).get()
            rows.append(["\(region.code): co-optimised bound, Clp (\(grouped(Double(s.columns))) columns, \(grouped(Double(s.rows))) rows)",
                         fixed(manta, 0), "HiGHS on the same LP: \(fixed(seconds * 1000, 0)) ms", "\(fixed(seconds * 1000 / manta, 2))x"])
            rows.append(["  optimum: Manta \(fixed(s.revenue, 4)) AUD, HiGHS \(fixed(value, 4)) AUD", "",
                         "relative difference", String(abs(s.revenue - value) / value)])
            rows.append(["  of which FCAS \(fixed(s.fcasRevenueTotal, 2)) AUD; energy-only bound \(fixed(energyOnly, 2)) AUD (slope trick)",
                         fixed(slope, 1), "co-optimised / energy only", "\(fixed(s.revenue / energyOnly, 2))x"])
        }
        report.section(
            "FCAS: the co-optimised bound on a complete month (January 2021, 8,928 intervals, eight FCAS markets)",
            command: ".build/release/manta-bench --only fcas   # needs highspy: scripts/install-deps --test",
            header: ["run", "ms (median of 3)", "reference (same run)", "ratio"],
            rows: rows,
            notes: ["One 1 MW / 2 MWh battery at 90% round trip starting half full. Manta builds the LP and solves it with Clp (Clp_initialSolve); HiGHS times only its solve of the LP scripts/highs_fcas_bound.py builds (the one the tests check against). A ratio above 1 means Manta is faster."])
    }
}
