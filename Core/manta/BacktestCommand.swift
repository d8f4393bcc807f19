import ArgumentParser
import MantaEngine
import MantaHost
import MantaJSON
import MantaTools

/// `manta backtest`: the Time Machine from the command line.
struct BacktestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Run a strategy over real AEMO prices and settle it interval by interval.",
        usage: marketUsage("backtest", " [--strategy <strategy>]"),
        discussion: """
            Reports revenue, energy, cycles, average buy and sell prices, revenue per MW, the worst day, \
            risk figures, per-day and per-month results, and the capture ratio against the \
            perfect-foresight bound.

            Examples:
              manta backtest --prices ../shared/data/nem/price_and_demand/VIC1 \\
                  --from 2023-01-01 --to 2024-01-01 --strategy mpc-regression \\
                  --battery power_mw=1,energy_mwh=2,eta_rt=0.9,soc0=0.5
              manta backtest --prices PRICE_AND_DEMAND_202207_SA1.csv \\
                  --strategy .build/release/libmanta_threshold.so \\
                  --config '{"charge_below": 0, "discharge_above": 300}' \\
                  --battery power_mw=5,energy_mwh=10 --json
              manta backtest --prices DIR --strategy optimal --battery ... \\
                  --report reports/sa1-2022
            """)

    @OptionGroup var market: MarketRunOptions

    @OptionGroup(title: "Site with load") var site: SiteOptions

    @Option(help: "A built-in strategy (threshold, rules, mpc-persistence, mpc-seasonal, mpc-regression, mpc-fcas: MPC over energy and FCAS), optimal (the perfect-foresight bound), mpc-oracle (research only: sees the future), mpc-predispatch (MPC on AEMO's pre-dispatch forecasts: needs --predispatch), a strategy plugin's id or its .so path.")
    var strategy = "threshold"

    @Option(help: "Strategy config as a JSON object (a plugin's is checked against its manifest schema).")
    var config: String?

    @Option(help: "AEMO's PREDISPATCHPRICE file (the monthly archive's CSV, or its .zip) for --strategy mpc-predispatch.")
    var predispatch: String?

    @Flag(help: "Print one JSON object.")
    var json = false

    @Option(help: "Write the settlement CSV, summaries and SVG charts into this folder.")
    var report: String?

    @Option(help: "The day to chart in the report (default: the best day).")
    var day: String?

    func run() throws {
        // Every argument is checked before the prices load (see MarketRunOptions).
        let (request, chartDay) = try Self.checkingArguments {
            var request = try market.request(strategy: strategy)
            request.site = try site.request()
            if let p = request.siteProblem("--demand-aud-per-kw-month") { throw ValidationError(p) }
            if let config {
                do { request.strategyConfig = try JSON.parse(config) } catch { throw ValidationError("--config is not JSON: \(error)") }
            }
            try StrategyArgument.check(strategy, config: request.strategyConfig, pluginDirs: request.pluginDirs,
                                       libraryDirs: request.libraryDirs)
            if strategy == "mpc-predispatch" {
                guard let predispatch else { throw ValidationError("--strategy mpc-predispatch needs --predispatch FILE") }
                guard let region = request.region else { throw ValidationError("--strategy mpc-predispatch needs --region") }
                do { request.predispatch = try PredispatchLoader.load(predispatch, region: region) } catch {
                    throw ValidationError("--predispatch: \(error)")
                }
            }
            return (request, try PriceRangeOptions.time(day, "--day"))
        }
        let bar = ProgressBar(enabled: !json && ProgressBar.onTerminal, label: "backtest \(strategy)")
        let outcome: BacktestOutcome
        do {
            defer { bar.clear() }
            outcome = try BacktestJob.run(request, catalog: market.catalog(), logger: market.logger(), progress: bar.update)
        } catch {
            printError("manta backtest: \(error)")
            throw ExitCode(1)
        }
        let summary = BacktestSummary.json(outcome, batteries: request.batteries)
        if let report {
            do {
                try BacktestReport.write(outcome, summary: summary, to: report, chartDay: chartDay)
            } catch {
                printError("manta backtest: --report \(report): \(error)")
                throw ExitCode(1)
            }
        }
        print(json ? summary.pretty() : BacktestText.render(outcome, summary: summary, report: report))
    }
}
