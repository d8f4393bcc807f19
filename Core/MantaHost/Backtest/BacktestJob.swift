import MantaEngine
import MantaIO
import MantaJSON
import MantaMarket
import MantaMarketFiles
import MantaModel

/// A backtest as the CLI and the API ask for it.
public struct BacktestRequest: Sendable {
    public var prices: [String]
    public var region: Region?
    /// A built-in strategy's name, "optimal" for the perfect-foresight
    /// bound, or the path of a strategy plugin (.so).
    public var strategy: String
    public var strategyConfig: JSON?
    public var batteries: [BacktestBattery]
    /// Only intervals whose END lies in (fromMs, toMs].
    public var fromMs: Int64?
    public var toMs: Int64?
    /// No interval ending after this is read, whatever the range: a replay
    /// host's price horizon (PriceHorizon).
    public var horizonMs: Int64?
    public var historyIntervals = 288
    public var allowGaps = false
    /// The loss breaker (LossBreaker): none when nil.
    public var maxLossAUD: Double?
    public var lossWindowIntervals = 288
    /// Network and demand charges on the fleet's charging (none when both are 0).
    public var tariff = NetworkTariff()
    /// The markets settled; the bound co-optimises FCAS with energy when
    /// the prices hold it, unless this is `.energy`.
    public var markets = BacktestMarkets.energyAndFCAS
    /// AEMO's pre-dispatch runs for `mpc-predispatch` (the region's), or
    /// the file to read them from on the worker (PredispatchLoader).
    public var predispatch: PredispatchRuns?
    public var predispatchPath: String?
    /// The site with load the batteries sit behind; with one, the network
    /// charge is billed on the site's import, not the batteries' charging.
    public var site: SiteRequest?
    public var pluginDirs: [String] = []
    /// Where libraries named by manifests are looked for (a strategy may be
    /// given by its manifest id).
    public var libraryDirs: [String] = []

    public init(prices: [String], strategy: String, batteries: [BacktestBattery]) {
        self.prices = prices
        self.strategy = strategy
        self.batteries = batteries
    }

    /// Why the site cannot be run as asked, naming `demandParam` (the
    /// battery demand charge's flag or param), or nil.
    public func siteProblem(_ demandParam: String = "demand_aud_per_kw_month") -> String? {
        guard site != nil, tariff.demandPerKWMonth != 0 else { return nil }
        return "\(demandParam) bills the batteries' own charging; a site's demand is billed by its demand tariff"
    }
}

/// What a backtest produced, with the bound it is measured against.
public struct BacktestOutcome: Sendable {
    public var result: BacktestResult
    public var optimalRevenueAUD: Double
    public var loadSeconds: Double
    public var runSeconds: Double
    public var boundSeconds: Double
    /// The markets settled and co-optimised by the bound.
    public var markets: BacktestMarkets = .energyAndFCAS

    /// Strategy revenue over the perfect-foresight bound.
    public var captureRatio: Double { optimalRevenueAUD > 0 ? result.revenueAUD / optimalRevenueAUD : .nan }
}

public struct BacktestError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}

public enum BacktestJob {
    /// Loads the prices, checks the range, runs the strategy and the bound.
    public static func run(_ r: BacktestRequest, catalog: PointCatalog, logger: Logger?,
                           progress: ((Double) -> Void)? = nil) throws(BacktestError) -> BacktestOutcome {
        let t0 = WallClock.monotonicNs()
        let prices = try load(r)
        var input = Backtest.Input(prices: prices, fleet: r.batteries, historyIntervals: r.historyIntervals, allowGaps: r.allowGaps,
                                   markets: r.markets)
        input.breaker = r.maxLossAUD.map { LossBreaker(maxLossAUD: $0, windowIntervals: r.lossWindowIntervals) }
        input.tariff = r.tariff.isZero ? nil : r.tariff
        if let site = r.site {
            if let p = r.siteProblem() { throw BacktestError(p) }
            input.site = try site.load(networkPerMWh: r.tariff.perMWh)
            input.tariff = nil
        }
        let t1 = WallClock.monotonicNs()
        let result: BacktestResult
        do {
            if r.strategy == "optimal" {
                result = try Backtest.perfectForesight(input)
            } else {
                let strategy = r.strategy == "mpc-oracle" ? try oracle(prices, config: r.strategyConfig)
                    : r.strategy == "mpc-predispatch" ? try predispatch(r, prices)
                    : try makeStrategy(r, catalog: catalog, logger: logger)
                defer { (strategy as? PluginStrategy)?.close() }
                result = try Backtest.run(input, strategy: strategy, progress: progress)
            }
        } catch let e as BacktestError {
            throw e
        } catch {
            throw BacktestError("\(error)")
        }
        let t2 = WallClock.monotonicNs()
        let optimal: Double
        do { optimal = r.strategy == "optimal" ? result.revenueAUD : try Backtest.bound(input) } catch { throw BacktestError(error.description) }
        let t3 = WallClock.monotonicNs()
        var outcome = BacktestOutcome(result: result, optimalRevenueAUD: optimal, loadSeconds: Double(t1 - t0) / 1e9,
                                      runSeconds: Double(t2 - t1) / 1e9, boundSeconds: Double(t3 - t2) / 1e9)
        outcome.markets = r.markets
        return outcome
    }

    /// The prices of the run: loaded, validated, cut to the range.
    public static func load(_ r: BacktestRequest) throws(BacktestError) -> PriceFile {
        var file: PriceFile
        do { file = try PriceFileLoader.load(r.prices, region: r.region) } catch { throw BacktestError(error.description) }
        guard let first = file.points.first?.intervalEndMs, let last = file.points.last?.intervalEndMs else {
            throw BacktestError("no prices in \(r.prices.joined(separator: ", "))")
        }
        let covered = "the data covers \(MarketTime.format(first - MarketTime.intervalMs)) to \(MarketTime.format(last)) (market time)"
        if let from = r.fromMs, from < first - MarketTime.intervalMs || from >= last {
            throw BacktestError("--from \(MarketTime.format(from)) is outside the data: \(covered)")
        }
        if let to = r.toMs, to > last || to <= first - MarketTime.intervalMs {
            throw BacktestError("--to \(MarketTime.format(to)) is outside the data: \(covered)")
        }
        if let from = r.fromMs, let to = r.toMs, from >= to {
            throw BacktestError("--from \(MarketTime.format(from)) is not before --to \(MarketTime.format(to))")
        }
        let from = r.fromMs ?? Int64.min, to = min(r.toMs ?? Int64.max, r.horizonMs ?? Int64.max)
        if let h = r.horizonMs, from >= h || first > h {
            throw BacktestError("the host's clock is a replay at \(MarketTime.format(h)): no price of the range has been published yet")
        }
        file.points = file.points.filter { $0.intervalEndMs > from && $0.intervalEndMs <= to }
        file.gaps = file.gaps.filter { $0.beforeMs > from && $0.afterMs < to }
        return file
    }

    /// MPC planning on the true future prices: a research tool showing what
    /// perfect forecasts would be worth at a horizon. Sees the future.
    static func oracle(_ prices: PriceFile, config: JSON?) throws(BacktestError) -> Strategy {
        let grid = Backtest.grid(prices)
        do {
            return MPCStrategy(forecaster: OracleForecaster(firstEndMs: grid.firstEndMs, prices: grid.rrp),
                               try BuiltInStrategies.mpcConfig(config ?? .object(JSONObject())))
        } catch {
            throw BacktestError("--strategy mpc-oracle config: \(error.description)")
        }
    }

    /// MPC planning on AEMO's pre-dispatch forecasts: at each decision the
    /// latest run published by then (its LASTCHANGED), never a later one.
    static func predispatch(_ r: BacktestRequest, _ prices: PriceFile) throws(BacktestError) -> Strategy {
        let runs: PredispatchRuns
        if let given = r.predispatch {
            runs = given
        } else if let path = r.predispatchPath {
            do { runs = try PredispatchLoader.load(path, region: prices.region) } catch { throw BacktestError("predispatch: \(error)") }
        } else {
            throw BacktestError("--strategy mpc-predispatch needs --predispatch FILE (AEMO's PREDISPATCHPRICE)")
        }
        guard runs.region == prices.region else {
            throw BacktestError("--predispatch holds \(runs.region.code) forecasts; the prices are \(prices.region.code)")
        }
        do {
            return MPCStrategy(forecaster: PredispatchForecaster(runs), try BuiltInStrategies.mpcConfig(r.strategyConfig ?? .object(JSONObject())))
        } catch {
            throw BacktestError("--strategy mpc-predispatch config: \(error.description)")
        }
    }

    static func makeStrategy(_ r: BacktestRequest, catalog: PointCatalog, logger: Logger?) throws(BacktestError) -> Strategy {
        var path: String?
        if r.strategy.hasSuffix(".so") || r.strategy.contains("/") {
            path = r.strategy
        } else if BuiltInStrategies.accepted.contains(r.strategy) == false {
            // A plugin's manifest id, e.g. manta.threshold.
            let index = ManifestIndex(pluginDirs: r.pluginDirs, libraryDirs: r.libraryDirs)
            if let m = index.manifest(id: r.strategy) {
                switch index.libraryPath(for: m) {
                case .success(let p): path = p
                case .failure(let e): throw BacktestError("--strategy \(r.strategy): \(e.description)")
                }
            }
        }
        if let path {
            do {
                return try PluginStrategy(path: path, pluginDirs: r.pluginDirs, config: r.strategyConfig,
                                          catalog: catalog, logger: logger)
            } catch {
                throw BacktestError("--strategy \(r.strategy): \(error.description)")
            }
        }
        do {
            if let s = try BuiltInStrategies.make(r.strategy, config: r.strategyConfig) { return s }
        } catch {
            throw BacktestError("--strategy \(r.strategy) config: \(error.description)")
        }
        throw BacktestError("--strategy \(r.strategy): unknown; built in: \((BuiltInStrategies.accepted + ["optimal", "mpc-oracle", "mpc-predispatch"]).joined(separator: ", ")), a strategy plugin's id, or its .so path")
    }
}
