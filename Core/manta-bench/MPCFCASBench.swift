import MantaEngine
import MantaIO
import MantaMarket
import MantaMarketFiles

/// mpc-fcas, the MPC co-optimising energy and FCAS, over every real
/// DISPATCHPRICE file in ../shared/data (one backtest each, NSW1): seconds
/// per interval and what a year of intervals comes to; against the same
/// MPC planning every interval from scratch on one real week, in the same
/// run.
enum MPCFCASBench {
    static let year = 105_120.0

    static func run(root: String, into report: inout Report) throws {
        let folder = "\(root)/../shared/data/nem/dispatch_fcas"
        guard FileSystem.exists(folder) else { throw BenchError("needs \(folder) (../shared/data)") }
        let files = try FileSystem.list(folder).filter { $0.hasPrefix("DISPATCHPRICE_") }.sorted()
        let battery = try BatteryArgument.parse("power_mw=1,energy_mwh=2,eta_rt=0.9,soc0=0.5")
        func backtest(_ prices: PriceFile, warm: Bool) throws -> (seconds: Double, result: BacktestResult) {
            let input = Backtest.Input(prices: prices, fleet: battery, allowGaps: true)
            let t = WallClock.monotonicNs()
            let r = try Backtest.run(input, strategy: MPCFCASStrategy(forecaster: PersistenceForecaster(), warmStart: warm))
            return (Double(WallClock.monotonicNs() - t) / 1e9, r)
        }
        var intervals = 0, seconds = 0.0, refused: [String] = []
        for f in files {
            let prices: PriceFile
            do { prices = try PriceFileLoader.load(["\(folder)/\(f)"], region: .nsw1) } catch {
                // The loader's own refusal, as manta backtest would give it (its path made relative).
                let why = "\(error)"
                refused.append("\(f) (\(why.hasPrefix(folder + "/") ? String(why.dropFirst(folder.count + 1)) : why))")
                continue
            }
            let (s, _) = try backtest(prices, warm: true)
            intervals += prices.points.count  // priced intervals: a gap the battery idles through costs no plan
            seconds += s
        }
        // One real week from scratch and warm: the same plans, the cost of each.
        var week = try PriceFileLoader.load(["\(folder)/DISPATCHPRICE_202101.CSV"], region: .nsw1)
        week.points = Array(week.points.prefix(7 * 288))
        let cold = try backtest(week, warm: false), warm = try backtest(week, warm: true)
        let perInterval = seconds / Double(intervals)
        report.section(
            "FCAS: mpc-fcas, energy and FCAS planned together every interval",
            command: ".build/release/manta-bench --only mpc-fcas",
            header: ["run", "intervals", "s", "per interval", "reference (same run)", "ratio"],
            rows: [
                ["every real DISPATCHPRICE file that loads (\(files.count - refused.count) of \(files.count)), NSW1, one backtest each",
                 grouped(Double(intervals)),
                 fixed(seconds, 2), "\(fixed(perInterval * 1000, 3)) ms", "a year of intervals at that rate",
                 "\(fixed(perInterval * year, 1)) s"],
                ["January 2021, first week, warm (each plan from the last basis)", grouped(Double(warm.result.series.revenueAUD.count)),
                 fixed(warm.seconds, 2), "\(fixed(warm.seconds * 1000 / Double(7 * 288), 3)) ms",
                 "from scratch: \(fixed(cold.seconds, 2)) s", "\(fixed(cold.seconds / warm.seconds, 2))x"],
                ["  revenue: warm \(fixed(warm.result.revenueAUD, 2)) AUD, from scratch \(fixed(cold.result.revenueAUD, 2)) AUD", "", "", "",
                 "FCAS warm / from scratch", "\(fixed(warm.result.fcasRevenueTotalAUD, 2)) / \(fixed(cold.result.fcasRevenueTotalAUD, 2))"],
            ],
            notes: ["One 1 MW / 2 MWh battery at 90% round trip starting half full; persistence forecasts; a 48-interval (4 h) horizon: an LP of 528 columns per interval, solved by Clp. Warm: CoOptimisedPlanner keeps the LP loaded and starts each dual simplex from the last optimal basis moved one interval on; from scratch: presolve and a new solve every interval (what mpc-fcas did before). Backtest time only (no bound, no file loading). Both find the same optimum each interval (CoOptimisedPlannerTests); where an interval has several optimal plans they may take different ones, so the revenues may differ slightly."] + refused.map { "Not run: \($0)." })
    }
}
