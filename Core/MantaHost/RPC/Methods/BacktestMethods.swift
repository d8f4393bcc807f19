import MantaEngine
import MantaIO
import MantaJSON
import MantaMarket
import MantaMarketFiles
import MantaText

/// backtest.run, backtest.status, backtest.result.
extension HostRuntime {
    func backtestMethods() -> [RPCMethod] {
        let id: JSON = ["type": "integer", "minimum": 1]
        return [
            RPCMethod("backtest.run", "Starts a backtest on a worker; returns its id. Follow it with backtest.status and backtest.result.",
                      params: Schemas.params([
                          ("prices", ["type": "array", "minItems": 1, "items": ["type": "string"],
                                      "description": "AEMO price files or folders; relative paths are from the host config's folder"]),
                          ("region", ["enum": .array(Region.allCases.map { .string($0.code) })]),
                          ("strategy", ["type": "string", "default": "threshold",
                                        "description": "built-in name, optimal, a strategy plugin's id, or its .so path"]),
                          ("config", ["type": "object"]),
                          ("battery", ["type": ["string", "array"],
                                       "description": "power_mw=1,energy_mwh=2,eta_rt=0.9,soc0=0.5[,...]; an array for a fleet"]),
                          ("from", Schemas.time), ("to", Schemas.time),
                          ("history", ["type": "integer", "minimum": 0, "default": 288]),
                          ("allow_gaps", ["type": "boolean", "default": false]),
                      ], required: ["prices", "battery"]),
                      result: Schemas.object, mutating: true,
                      .sync { [unowned self] p, _ throws(RPCError) in
                          let request = try backtestRequest(p)
                          let task = backtests.start(request, params: .object(p))
                          return ["id": .int(task.id), "state": .string(task.state)]
                      }),

            RPCMethod("backtest.status", "Where a backtest stands (or every backtest of this run when no id is given).",
                      params: Schemas.params([("id", id)]), result: Schemas.object,
                      .sync { [unowned self] p, _ throws(RPCError) in
                          if let n = p["id"]?.integer {
                              guard let t = try backtests.find(n) else { throw .notFound("no backtest \(n)") }
                              return statusJSON(t)
                          }
                          return .array(backtests.all.map(statusJSON))
                      }),

            RPCMethod("backtest.result", "A finished backtest's figures (as manta backtest --json).",
                      params: Schemas.params([("id", id), ("daily", ["type": "boolean", "default": false])], required: ["id"]),
                      result: Schemas.object,
                      .sync { [unowned self] p, _ throws(RPCError) in
                          let n = p["id"]!.integer!
                          guard let t = try backtests.find(n) else { throw .notFound("no backtest \(n)") }
                          switch t.state {
                          case "done":
                              guard var summary = t.summary?.object else { throw .internalError("backtest \(n) has no stored result") }
                              if !p.bool("daily") { summary["daily"] = nil }
                              return .object(summary)
                          case "failed": throw .unavailable("backtest \(n) failed: \(t.error ?? "")")
                          default: throw .unavailable("backtest \(n) is still running (\(t.progress.load(ordering: .relaxed) / 10)%)")
                          }
                      }),
        ]
    }

    func statusJSON(_ t: BacktestTasks.Task) -> JSON {
        var o = JSONObject([
            ("id", .int(t.id)), ("state", .string(t.state)),
            ("progress", .number(Double(t.progress.load(ordering: .relaxed)) / 1000)),
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
    func backtestRequest(_ p: JSONObject) throws(RPCError) -> BacktestRequest {
        let dir = Paths.directory(of: state.config.path)
        let prices = (p["prices"]?.array ?? []).compactMap(\.string).map { Paths.resolve($0, against: dir) }
        // Cheap to check now (a stat per path); parsing happens on the worker.
        do { _ = try PriceFileLoader.expand(prices) } catch { throw .invalidParams("prices: \(error)") }
        let specs = p["battery"]?.array?.compactMap(\.string) ?? p["battery"]?.string.map { [$0] } ?? []
        var fleet: [BacktestBattery] = []
        for (i, s) in specs.enumerated() {
            do { fleet += try BatteryArgument.parse(s, index: i) } catch {
                throw .invalidParams("battery: \(error.description.removingPrefix("--battery "))")
            }
        }
        guard !fleet.isEmpty else { throw .invalidParams("battery: give at least one battery") }
        var strategy = p.string("strategy") ?? "threshold"
        if strategy.hasSuffix(".so") { strategy = Paths.resolve(strategy, against: dir) }
        var r = BacktestRequest(prices: prices, strategy: strategy, batteries: fleet)
        r.region = p.string("region").flatMap(Region.init(code:))
        r.strategyConfig = p["config"]
        r.fromMs = try p.time("from")
        r.toMs = try p.time("to")
        r.historyIntervals = p.int("history", 288)
        r.allowGaps = p.bool("allow_gaps")
        r.pluginDirs = state.config.pluginDirs
        r.libraryDirs = state.config.libraryDirs
        return r
    }
}
