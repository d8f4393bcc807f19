import ArgumentParser
import MantaEngine
import MantaHost
import MantaJSON
import MantaMarket
import MantaModel

/// What `manta backtest` and `manta arena` share: the prices, the batteries,
/// the time range and where plugins are found.
struct MarketRunOptions: ParsableArguments {
    @Option(parsing: .upToNextOption, help: "AEMO price files or folders of them (PRICE_AND_DEMAND, DISPATCHPRICE, combined).")
    var prices: [String]

    @Option(help: "Region to use when the files hold several (NSW1, QLD1, SA1, TAS1, VIC1).")
    var region: String?

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

    @Option(name: .customLong("plugin-dir"), help: "Where to look for plugin manifests.")
    var pluginDirs: [String] = ["Plugins", "examples/plugins"]

    @Option(name: .customLong("library-dir"), help: "Where to look for the library a manifest names.")
    var libraryDirs: [String] = [".build/release", ".build/debug"]

    @Option(name: .customLong("log-level"), help: "Plugin log lines shown on stderr: debug, info, warn or error.")
    var logLevel: Logger.Level = .warn

    /// A backtest request for `strategy` from these options.
    func request(strategy: String) throws -> BacktestRequest {
        var request = BacktestRequest(prices: prices, strategy: strategy, batteries: try fleet())
        if let region {
            guard let r = Region(code: region) else { throw ValidationError("--region: \(region) is not a NEM region") }
            request.region = r
        }
        request.fromMs = try Self.time(from, "--from")
        request.toMs = try Self.time(to, "--to")
        guard history >= 0 else { throw ValidationError("--history: must be >= 0") }
        request.historyIntervals = history
        request.allowGaps = allowGaps
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

    static func time(_ text: String?, _ option: String) throws -> Int64? {
        guard let text else { return nil }
        guard let ms = MarketTime.parse(text) else { throw ValidationError("\(option): '\(text)' is not a date such as 2022-01-01") }
        return ms
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
