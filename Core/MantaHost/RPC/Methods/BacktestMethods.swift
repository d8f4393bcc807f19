import MantaEngine
import MantaIO
import MantaJSON
import MantaMarket
import MantaMarketFiles
import MantaText

/// backtest.run, backtest.status, backtest.result.
@LoopActor
struct BacktestMethods {
    let tasks: BacktestTasks
    /// Relative paths in requests are taken from the config's folder.
    let configPath: String
    let pluginDirs: [String]
    let libraryDirs: [String]
    /// Where the prices (and a strategy given as a .so path) may be read from.
    let dataRoots: DataRoots
    /// Under a replay clock a backtest ends at the host's now (PriceHorizon).
    let clock: HostClock

    var methods: [RPCMethod] {
        let id: JSON = ["type": "integer", "minimum": 1]
        let backtests = self.tasks, me = self
        return [
            RPCMethod("backtest.run", "Starts a backtest on a worker; returns its id. Follow it with backtest.status and backtest.result.",
                      params: Schemas.params([
                          ("prices", ["type": "array", "minItems": 1, "maxItems": 1000, "items": ["type": "string"],
                                      "description": "AEMO price files or folders; relative paths are from the host config's folder"]),
                          ("region", ["enum": .array(Region.allCases.map { .string($0.code) })]),
                          ("strategy", ["type": "string", "default": "threshold",
                                        "description": "built-in name, optimal, a strategy plugin's id, or its .so path"]),
                          ("config", ["type": "object"]),
                          ("battery", ["type": ["string", "array"], "items": ["type": "string"], "maxItems": 1000,
                                       "description": "power_mw=1,energy_mwh=2,eta_rt=0.9,soc0=0.5[,...]; an array for a fleet"]),
                          ("from", Schemas.time), ("to", Schemas.time),
                          ("history", ["type": "integer", "minimum": 0, "maximum": 105_120, "default": 288]),
                          ("allow_gaps", ["type": "boolean", "default": false]),
                          ("max_loss_aud", ["type": "number", "exclusiveMinimum": 0, "maximum": 1e9,
                                            "description": "loss breaker: hold the fleet for the rest of the run once it has lost more than this over the trailing window"]),
                          ("loss_window_intervals", ["type": "integer", "minimum": 1, "maximum": 8640, "default": 288]),
                          ("network_aud_per_mwh", ["type": "number", "minimum": 0, "maximum": 10_000, "default": 0,
                                                   "description": "network charge per MWh the batteries charge"]),
                          ("demand_aud_per_kw_month", ["type": "number", "minimum": 0, "maximum": 10_000, "default": 0,
                                                       "description": "demand charge per kW of each battery's monthly peak charging power"]),
                          ("markets", ["enum": .array(BacktestMarkets.allCases.map { .string($0.rawValue) }), "default": "energy,fcas",
                                       "description": "energy,fcas: the bound co-optimises every FCAS service the prices hold; energy: energy only"]),
                          ("predispatch", ["type": "string", "maxLength": 4096,
                                           "description": "AEMO's PREDISPATCHPRICE (the monthly CSV or its .zip) for strategy mpc-predispatch; relative paths are from the host config's folder"]),
                      ] + Self.siteParams, required: ["prices", "battery"]),
                      result: Schemas.object, mutating: true,
                      // The params as given are kept with the task.
                      .sync { object, _ throws(RPCError) in
                          let request = try me.backtestRequest(try decodeParams(object))
                          let task = backtests.start(request, params: .object(object))
                          return ["id": .int(task.id), "state": .string(task.state)]
                      }),

            .sync("backtest.status", "Where a backtest stands (or every backtest of this run when no id is given).",
                      params: Schemas.params([("id", id)]), result: Schemas.object) { (p: TaskQuery, _) throws(RPCError) in
                          if let n = p.id {
                              guard let t = try backtests.find(n) else { throw .notFound("no backtest \(n)") }
                              return Self.statusJSON(t)
                          }
                          return .array(backtests.all.map(Self.statusJSON))
                      },

            .sync("backtest.result", "A finished backtest's figures (as manta backtest --json).",
                      params: Schemas.params([("id", id), ("daily", ["type": "boolean", "default": false])], required: ["id"]),
                      result: Schemas.object) { (p: ResultQuery, _) throws(RPCError) in
                          let n = p.id
                          guard let t = try backtests.find(n) else { throw .notFound("no backtest \(n)") }
                          switch t.state {
                          case "done":
                              guard var summary = t.summary?.object else { throw .internalError("backtest \(n) has no stored result") }
                              if !p.daily { summary["daily"] = nil }
                              return .object(summary)
                          case "failed": throw .unavailable("backtest \(n) failed: \(t.error ?? "")")
                          default: throw .unavailable("backtest \(n) is still running (\(t.progress.permille / 10)%)")
                          }
                      },
        ]
    }

    struct RunParams: RPCParams {
        var prices: [String]
        var region: Region?
        var strategy: String
        var config: JSON?
        var battery: OneOrMany<String>
        var from, to: RPCTime?
        var history: Int
        var allowGaps: Bool
        var maxLossAUD: Double?
        var lossWindowIntervals: Int
        var networkPerMWh: Double
        var demandPerKWMonth: Double
        var markets: String
        var predispatch: String?
        var siteLoad: String?
        var importCap: ImportCapParams?
        var demandTariff: DemandTariffParams?
        enum CodingKeys: String, CodingKey {
            case prices, region, strategy, config, battery, from, to, history, allowGaps = "allow_gaps", markets, predispatch
            case siteLoad = "site_load", importCap = "import_cap", demandTariff = "demand_tariff"
            case maxLossAUD = "max_loss_aud", lossWindowIntervals = "loss_window_intervals"
            case networkPerMWh = "network_aud_per_mwh", demandPerKWMonth = "demand_aud_per_kw_month"
        }
    }

    struct TaskQuery: RPCParams {
        var id: Int64?
    }

    struct ResultQuery: RPCParams {
        var id: Int64
        var daily: Bool
    }

    static func statusJSON(_ t: BacktestTasks.Task) -> JSON {
        var o = JSONObject([
            ("id", .int(t.id)), ("state", .string(t.state)),
            ("progress", .number(Double(t.progress.permille) / 1000)),
            ("created_ms", .int(t.createdMs)),
        ])
        if let f = t.finishedMs { o["elapsed_s"] = .number(Double(f - t.createdMs) / 1000) }
        if let e = t.error { o["error"] = .string(e) }
        if let s = t.summary {
            o["revenue_aud"] = s["revenue_aud"] ?? .null
            o["capture_ratio"] = s["capture_ratio"] ?? .null
        }
        return .object(o)
    }

    /// The API's params as a BacktestRequest; every problem names the param.
    func backtestRequest(_ p: RunParams) throws(RPCError) -> BacktestRequest {
        let dir = Paths.directory(of: configPath)
        let prices = p.prices.map { Paths.resolve($0, against: dir) }
        for (i, path) in prices.enumerated() { try dataRoots.check(path, given: p.prices[i], param: "prices[\(i)]") }
        // Cheap to check now (a stat per path); parsing happens on the worker.
        let files: [String]
        do { files = try PriceFileLoader.expand(prices) } catch { throw .invalidParams("prices: \(error)") }
        for f in files { try dataRoots.check(f, param: "prices") }
        let specs = p.battery.values
        var fleet: [BacktestBattery] = []
        for (i, s) in specs.enumerated() {
            do { fleet += try BatteryArgument.parse(s, index: i) } catch {
                throw .invalidParams("battery: \(error.description.removingPrefix("--battery "))")
            }
        }
        guard !fleet.isEmpty else { throw .invalidParams("battery: give at least one battery") }
        var strategy = p.strategy
        if strategy.hasSuffix(".so") || strategy.contains("/") {
            // Code runs only from where plugins live, never from a path a caller names.
            strategy = Paths.resolve(strategy, against: dir)
            let plugins = DataRoots(pluginDirs + libraryDirs)
            guard let real = DataRoots.resolved(strategy), plugins.contains(real) else {
                throw .invalidParams("strategy: \(p.strategy) is not a plugin under plugin_dirs or library_dirs")
            }
        }
        var r = BacktestRequest(prices: prices, strategy: strategy, batteries: fleet)
        r.region = p.region
        r.strategyConfig = p.config
        r.fromMs = p.from?.ms
        r.toMs = p.to?.ms
        // Under replay the files hold the host's future; a backtest sees none of it.
        if clock.isReplay { r.horizonMs = clock.priceHorizonMs() }
        r.historyIntervals = p.history
        r.allowGaps = p.allowGaps
        r.maxLossAUD = p.maxLossAUD
        r.lossWindowIntervals = p.lossWindowIntervals
        r.tariff = NetworkTariff(perMWh: p.networkPerMWh, demandPerKWMonth: p.demandPerKWMonth)
        r.markets = BacktestMarkets(rawValue: p.markets) ?? .energyAndFCAS  // the schema allows only the two
        if let given = p.predispatch {
            guard p.strategy == "mpc-predispatch" else { throw .invalidParams("predispatch: only for strategy mpc-predispatch") }
            let path = Paths.resolve(given, against: dir)
            try dataRoots.check(path, given: given, param: "predispatch")
            guard FileSystem.isRegularFile(path) else { throw .invalidParams("predispatch: \(given) is not a file") }
            r.predispatchPath = path
        } else if p.strategy == "mpc-predispatch" {
            throw .invalidParams("predispatch: strategy mpc-predispatch needs AEMO's PREDISPATCHPRICE file")
        }
        r.site = try site(p, dir: dir)
        if let problem = r.siteProblem() { throw .invalidParams(problem) }
        r.pluginDirs = pluginDirs
        r.libraryDirs = libraryDirs
        return r
    }
}
