import ArgumentParser
import MantaEngine
import MantaHost
import MantaJSON
import MantaMarket
import MantaMarketFiles
import MantaModel

/// What `manta backtest` and `manta arena` share: the prices and time range
/// (PriceRangeOptions), the batteries and where plugins are found.
///
/// --prices and --battery are required, but declared with an empty default
/// and checked in `request`, from `run()`: ArgumentParser decodes the
/// options (and calls `validate()`) before it looks for arguments nobody
/// consumed, so a required option that is missing would hide a misspelt
/// flag (`--bogus-flag` reported as "Missing expected argument
/// '--prices'"). From `run()` the unknown flag is reported first.
struct MarketRunOptions: ParsableArguments {
    @OptionGroup var range: PriceRangeOptions

    @Option(help: "power_mw=1,energy_mwh=2,eta_rt=0.9,soc0=0.5[,soc_min=0,soc_max=1,cost_per_mwh=0,count=1]; repeat for a fleet. Required.")
    var battery: [String] = []

    @Option(help: "Earlier prices shown to the strategy each interval.")
    var history = 288

    @Flag(help: "Idle through missing intervals instead of refusing the data.")
    var allowGaps = false

    @Option(help: "Loss breaker: hold the fleet for the rest of the run once it has lost more than this (AUD) over the trailing --loss-window intervals.")
    var maxLossAud: Double?

    @Option(help: "The loss breaker's trailing window, intervals (288: a day).")
    var lossWindow = 288

    @Option(help: "Network charge, AUD per MWh the batteries charge.")
    var networkAudPerMwh = 0.0

    @Option(help: "Demand charge, AUD per kW of each battery's monthly peak charging power (an interval's average).")
    var demandAudPerKwMonth = 0.0

    @Option(help: "Markets settled and co-optimised by the bound: energy,fcas (FCAS with energy wherever the prices hold FCAS) or energy.")
    var markets = "energy,fcas"

    @Option(name: .customLong("plugin-dir"), help: "Where to look for plugin manifests.")
    var pluginDirs: [String] = ["Plugins", "examples/plugins"]

    @Option(name: .customLong("library-dir"), help: "Where to look for the library a manifest names.")
    var libraryDirs: [String] = [".build/release", ".build/debug"]

    @Option(name: .customLong("log-level"), help: "Plugin log lines shown on stderr: debug, info, warn or error.")
    var logLevel: Logger.Level = .warn

    /// A backtest request for `strategy` from these options, every one of
    /// them checked (the price paths exist) before any price is read.
    func request(strategy: String) throws -> BacktestRequest {
        var request = try range.request(strategy: strategy, purpose: "run on", batteries: fleet)
        guard history >= 0 else { throw ValidationError("--history: must be >= 0") }
        request.historyIntervals = history
        request.allowGaps = allowGaps
        for (value, flag) in [(networkAudPerMwh, "--network-aud-per-mwh"), (demandAudPerKwMonth, "--demand-aud-per-kw-month")] {
            guard value.isFinite, value >= 0, value <= 10_000 else { throw ValidationError("\(flag): 0 to 10000 AUD") }
        }
        request.tariff = NetworkTariff(perMWh: networkAudPerMwh, demandPerKWMonth: demandAudPerKwMonth)
        if let loss = maxLossAud {
            guard loss.isFinite, loss > 0, loss <= 1e9 else { throw ValidationError("--max-loss-aud: give an amount above 0 (AUD)") }
            guard (1...8640).contains(lossWindow) else { throw ValidationError("--loss-window: 1 to 8640 intervals") }
            request.maxLossAUD = loss
            request.lossWindowIntervals = lossWindow
        }
        guard let m = BacktestMarkets(list: markets) else {
            throw ValidationError("--markets: expected energy,fcas or energy, got '\(markets)'")
        }
        request.markets = m
        request.pluginDirs = pluginDirs
        request.libraryDirs = libraryDirs
        return request
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
    func catalog() -> PointCatalog {
        (try? CatalogFile.load()) ?? (try! PointCatalog(points: []))
    }

    func logger() -> Logger { Logger(level: logLevel) }

}

extension ParsableCommand {
    /// Runs argument checks made from `run()` (see MarketRunOptions): a
    /// ValidationError ends the command as ArgumentParser would, with
    /// this command's usage and exit status 64; other errors pass through.
    static func checkingArguments<T>(_ body: () throws -> T) rethrows -> T {
        do { return try body() } catch let e as ValidationError {
            let name = configuration.commandName ?? ""
            printError("Error: \(e.message)\nUsage: \(configuration.usage ?? "manta \(name)")\n  See 'manta \(name) --help' for more information.")
            throw ExitCode.validationFailure
        }
    }

    /// The usage line of a command that takes MarketRunOptions: --prices
    /// and --battery are required although declared with a default.
    static func marketUsage(_ name: String, _ more: String = "") -> String {
        "manta \(name) --prices <prices> ... --battery <battery> ...\(more) [<options>]"
    }
}

extension Logger.Level: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }

    public var defaultValueDescription: String {
        switch self {
        case .debug: return "debug"
        case .info: return "info"
        case .warn: return "warn"
        case .error: return "error"
        }
    }
}
