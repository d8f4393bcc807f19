import ArgumentParser
import Glibc
import MantaEngine
import MantaHost
import MantaIO
import MantaJSON
import MantaMarket
import MantaModel

/// `manta backtest`: the Time Machine from the command line.
struct BacktestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Run a strategy over real AEMO prices and settle it interval by interval.",
        discussion: """
            Reports revenue, energy, cycles, average buy and sell prices, revenue per MW, the worst day, risk
            figures, per-day and per-month results, and the capture ratio against the perfect-foresight bound.
            Examples:
              manta backtest --prices ../shared/data/nem/price_and_demand/VIC1 --from 2023-01-01 --to 2024-01-01 \\
                  --strategy threshold --battery power_mw=1,energy_mwh=2,eta_rt=0.9,soc0=0.5
              manta backtest --prices PRICE_AND_DEMAND_202207_SA1.csv --strategy .build/debug/libmanta_threshold.so \\
                  --config '{"charge_below": 0, "discharge_above": 300}' --battery power_mw=5,energy_mwh=10 --json
              manta backtest --prices DIR --strategy optimal --battery ... --report reports/sa1-2022
            """)

    @Option(parsing: .upToNextOption, help: "AEMO price files or folders of them (PRICE_AND_DEMAND, DISPATCHPRICE, combined).")
    var prices: [String]

    @Option(help: "Region to use when the files hold several (NSW1, QLD1, SA1, TAS1, VIC1).")
    var region: String?

    @Option(help: "threshold, optimal (the perfect-foresight bound), or the path of a strategy plugin (.so).")
    var strategy = "threshold"

    @Option(help: "Strategy config as a JSON object (a plugin's is checked against its manifest schema).")
    var config: String?

    @Option(help: "power_mw=1,energy_mwh=2,eta_rt=0.9,soc0=0.5[,soc_min=0,soc_max=1,cost_per_mwh=0,count=1]; repeat for a fleet.")
    var battery: [String]

    @Option(help: "First day (market time), e.g. 2022-01-01: intervals ending after it.")
    var from: String?

    @Option(help: "Last instant (market time), e.g. 2023-01-01: intervals ending at or before it.")
    var to: String?

    @Option(help: "Earlier prices shown to the strategy each interval.")
    var history = 288

    @Flag(help: "Idle through missing intervals instead of refusing the data.")
    var allowGaps = false

    @Flag(help: "Print one JSON object.")
    var json = false

    @Option(help: "Write the settlement CSV, summaries and SVG charts into this folder.")
    var report: String?

    @Option(help: "The day to chart in the report (default: the best day).")
    var day: String?

    @Option(name: .customLong("plugin-dir"), help: "Where to look for a plugin's manifest.")
    var pluginDirs: [String] = ["Plugins", "examples/plugins"]

    @Option(name: .customLong("library-dir"), help: "Where to look for the library a manifest names (for --strategy ID).")
    var libraryDirs: [String] = [".build/release", ".build/debug"]

    func run() throws {
        var request = BacktestRequest(prices: prices, strategy: strategy, batteries: try fleet())
        if let region {
            guard let r = Region(code: region) else { throw ValidationError("--region: \(region) is not a NEM region") }
            request.region = r
        }
        request.fromMs = try time(from, "--from")
        request.toMs = try time(to, "--to")
        guard history >= 0 else { throw ValidationError("--history: must be >= 0") }
        request.historyIntervals = history
        request.allowGaps = allowGaps
        request.pluginDirs = pluginDirs
        request.libraryDirs = libraryDirs
        if let config {
            do { request.strategyConfig = try JSON.parse(config) } catch { throw ValidationError("--config is not JSON: \(error)") }
        }
        let chartDay = try time(day, "--day")
        let logger = Logger(level: .warn)
        let bar = ProgressBar(enabled: !json && isatty(2) == 1)
        let outcome: BacktestOutcome
        do {
            outcome = try BacktestJob.run(request, catalog: try catalog(), logger: logger, progress: bar.update)
        } catch {
            bar.clear()
            printError("manta backtest: \(error)")
            throw ExitCode(1)
        }
        bar.clear()
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

    func fleet() throws -> [BacktestBattery] {
        var out: [BacktestBattery] = []
        for (i, text) in battery.enumerated() {
            do { out += try BatteryArgument.parse(text, index: i) } catch { throw ValidationError(error.description) }
        }
        guard !out.isEmpty else { throw ValidationError("--battery: give at least one battery") }
        return out
    }

    /// The point catalog for plugin strategies; built-in ones need none, so
    /// a missing catalog is only an empty one.
    func catalog() throws -> PointCatalog {
        (try? CatalogFile.load()) ?? (try! PointCatalog(points: []))
    }

    func time(_ text: String?, _ option: String) throws -> Int64? {
        guard let text else { return nil }
        guard let ms = MarketTime.parse(text) else { throw ValidationError("\(option): '\(text)' is not a date such as 2022-01-01") }
        return ms
    }
}

/// A one-line progress bar on standard error, shown only on a terminal and
/// only once a run has taken half a second.
final class ProgressBar: @unchecked Sendable {
    private let enabled: Bool
    private let start = WallClock.monotonicMs()
    private var shown = false

    init(enabled: Bool) { self.enabled = enabled }

    func update(_ fraction: Double) {
        guard enabled, WallClock.monotonicMs() - start > 500 else { return }
        shown = true
        let width = 40, filled = Int(fraction * Double(width))
        printError("\r[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
                   + "] \(Int(fraction * 100))%", newline: false)
    }

    func clear() {
        if shown { printError("\r" + String(repeating: " ", count: 60) + "\r", newline: false) }
    }
}
