import MantaEngine
import MantaIO
import MantaJSON
import MantaMarket
import MantaModel
import MantaText
import Synchronization

/// The Model Arena offline: every contender trades the same prices with the
/// same batteries, in parallel, and is ranked by revenue per MW.
public enum Arena {
    /// A contender as written on the command line or in the API:
    /// a built-in name, `rules:FILE.json`, `python:SCRIPT.py`, a strategy
    /// plugin's id or its `.so` path; `config` as for a backtest.
    public struct Contender: Sendable {
        public var label: String
        public var strategy: String
        public var config: JSON?

        public init(label: String, strategy: String, config: JSON? = nil) {
            self.label = label
            self.strategy = strategy
            self.config = config
        }
    }

    public struct Entry: Sendable {
        public var contender: Contender
        public var outcome: Result<BacktestOutcome, BacktestError>
    }

    public struct Outcome: Sendable {
        /// Best first by revenue per MW; contenders that failed last.
        public var entries: [Entry]
        public var optimal: BacktestResult
        public var wallSeconds: Double
        public var loadSeconds: Double
    }

    /// Expands `all` (every shipped strategy; never the bound) and the
    /// `rules:` and `python:` shorthands. `LABEL=STRATEGY` names a contender,
    /// so that one strategy can run twice with different configs.
    public static func contenders(_ list: [String], configs: [String: JSON], libraryDirs: [String]) throws(BacktestError) -> [Contender] {
        var out: [Contender] = []
        for raw in list {
            var item = raw.trimmed
            var label: String?
            if let eq = item.firstIndex(of: "="), !item[..<eq].contains(":"), !item[..<eq].contains("/") {
                label = String(item[..<eq])
                item = String(item[item.index(after: eq)...])
            }
            let before = out.count
            defer {
                if let label, out.count == before + 1 {
                    out[before].label = label
                    if let c = configs[label] { out[before].config = merge(out[before].config, c) }
                }
            }
            if item == "all" {
                out += BuiltInStrategies.names.map { Contender(label: $0, strategy: $0, config: configs[$0]) }
            } else if item == "optimal" || item == "mpc-oracle" {
                throw BacktestError("--strategies: \(item) sees the future; the arena reports the perfect-foresight bound beside the contenders")
            } else if item.hasPrefix("rules:") {
                let path = String(item.dropFirst(6))
                do {
                    let rules = try JSON.parse(try FileSystem.readText(path))
                    out.append(Contender(label: item, strategy: "rules", config: rules))
                } catch {
                    throw BacktestError("--strategies \(item): \(error)")
                }
            } else if item.hasPrefix("python:") {
                let script = Paths.absolute(String(item.dropFirst(7)))
                guard let lib = libraryDirs.map({ Paths.join($0, "libmanta_python.so") }).first(where: FileSystem.exists) else {
                    throw BacktestError("--strategies \(item): libmanta_python.so not found in \(libraryDirs.joined(separator: ", "))")
                }
                var config = configs[item]?.object ?? JSONObject()
                config["script"] = .string(script)
                out.append(Contender(label: item, strategy: lib, config: .object(config)))
            } else {
                out.append(Contender(label: item, strategy: item, config: configs[item]))
            }
        }
        guard !out.isEmpty else { throw BacktestError("--strategies: name at least one contender") }
        var seen = Set<String>()
        for c in out where !seen.insert(c.label).inserted { throw BacktestError("--strategies: \(c.label) is listed twice") }
        return out
    }

    /// `extra`'s members over `base`'s (for python: contenders, whose script
    /// is set by the shorthand).
    static func merge(_ base: JSON?, _ extra: JSON) -> JSON {
        guard var o = base?.object, let e = extra.object else { return extra }
        for (k, v) in e.members { o[k] = v }
        return .object(o)
    }

    /// Runs every contender of `base` (its strategy field is ignored) on
    /// `workers` threads.
    /// `progress` gets the fraction of the whole arena done (the mean of
    /// the contenders'), on the workers, about a hundred times a contender.
    public static func run(_ base: BacktestRequest, contenders: [Contender], workers count: Int = 2, catalog: PointCatalog,
                           logger: Logger?, progress: (@Sendable (Double) -> Void)? = nil) throws(BacktestError) -> Outcome {
        let t0 = WallClock.monotonicNs()
        let prices = try BacktestJob.load(base)
        let input = Backtest.Input(prices: prices, fleet: base.batteries, historyIntervals: base.historyIntervals,
                                   allowGaps: base.allowGaps, markets: base.markets)
        let optimal: BacktestResult
        do { optimal = try Backtest.perfectForesight(input) } catch { throw BacktestError(error.description) }
        let loaded = WallClock.monotonicNs()
        let results = Mutex<[Int: Result<BacktestOutcome, BacktestError>]>([:])
        let done = Mutex([Double](repeating: 0, count: contenders.count))
        let report: @Sendable (Int, Double) -> Void = { i, fraction in
            guard let progress else { return }
            let mean = done.withLock { d in
                d[i] = fraction
                return d.reduce(0, +) / Double(max(1, d.count))
            }
            progress(mean)
        }
        // One shared queue: each thread takes the next contender when it is
        // free, so one slow contender does not leave the others idle.
        let pool = Worker(name: "arena", threads: max(1, min(count, contenders.count)))
        for (i, contender) in contenders.enumerated() {
            var r = base
            r.strategy = contender.strategy
            r.strategyConfig = contender.config
            let request = r
            pool.submit {
                let t = WallClock.monotonicNs()
                let result = Result { () throws(BacktestError) -> BacktestOutcome in
                    let strategy = try BacktestJob.makeStrategy(request, catalog: catalog, logger: logger)
                    defer { (strategy as? PluginStrategy)?.close() }
                    do {
                        let r = try Backtest.run(input, strategy: strategy) { report(i, $0) }
                        return BacktestOutcome(result: r, optimalRevenueAUD: optimal.revenueAUD, loadSeconds: 0,
                                               runSeconds: Double(WallClock.monotonicNs() - t) / 1e9, boundSeconds: 0)
                    } catch {
                        throw BacktestError("\(error)")
                    }
                }
                results.withLock { $0[i] = result }
            }
        }
        pool.join()
        let entries = results.withLock { r in contenders.indices.map { Entry(contender: contenders[$0], outcome: r[$0]!) } }
        return Outcome(entries: rank(entries), optimal: optimal, wallSeconds: Double(WallClock.monotonicNs() - loaded) / 1e9,
                       loadSeconds: Double(loaded - t0) / 1e9)
    }

    static func rank(_ entries: [Entry]) -> [Entry] {
        entries.sorted { a, b in
            switch (a.outcome, b.outcome) {
            case (.success(let x), .success(let y)): return x.result.revenuePerMW > y.result.revenuePerMW
            case (.success, .failure): return true
            default: return false
            }
        }
    }

    /// The arena as JSON: `leaderboard` best first, then the bound.
    public static func json(_ o: Outcome, batteries: [BacktestBattery]) -> JSON {
        let board: [JSON] = o.entries.enumerated().map { i, e in
            var row = JSONObject([("rank", .int(i + 1)), ("strategy", .string(e.contender.label))])
            switch e.outcome {
            case .success(let out):
                let s = BacktestSummary.json(out, batteries: batteries, daily: false)
                for key in ["revenue_aud", "energy_revenue_aud", "fcas_revenue_aud", "fcas_revenue_by_service", "revenue_per_mw",
                            "capture_ratio", "cycles", "avg_buy_price", "avg_sell_price",
                            "worst_day", "risk", "strategy_errors", "first_strategy_error", "elapsed_s"] {
                    row[key] = s[key] ?? .null
                }
                row["engine_name"] = .string(out.result.strategy)
            case .failure(let error):
                row["error"] = .string(error.description)
            }
            return .object(row)
        }
        let r = o.optimal
        return .object(JSONObject([
            ("region", .string(r.region.code)), ("from", .string(MarketTime.iso(r.fromEndMs))),
            ("to", .string(MarketTime.iso(r.toEndMs))), ("intervals", .int(r.intervals)),
            ("batteries", .int(batteries.count)), ("power_mw", .number(r.fleetPowerMW)),
            ("optimal_revenue_aud", .number((r.revenueAUD * 100).rounded() / 100)),
            ("optimal_fcas_revenue_aud", .number((r.fcasRevenueTotalAUD * 100).rounded() / 100)),
            ("leaderboard", .array(board)),
            ("elapsed_s", .number((o.wallSeconds * 1e3).rounded() / 1e3)),
            ("load_elapsed_s", .number((o.loadSeconds * 1e3).rounded() / 1e3)),
        ]))
    }
}
