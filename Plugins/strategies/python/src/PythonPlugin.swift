import EngineStrategy
import MantaEngine
import MantaIO
import MantaJSON
import MantaKit
import MantaMarket
import MantaSDK

/// A researcher's model in Python (or anything that speaks the protocol in
/// docs/PYTHON.md) as a strategy.
///
/// role "strategy": the model answers `decide` with a target per asset.
/// role "forecaster": the model answers `forecast` with prices, and the
/// engine's MPC plans on them (and on its seasonal profile whenever the
/// model fails or answers the wrong horizon).
///
/// Whatever the model does (answers late, exits, writes garbage) the
/// interval is decided in time: as hold, with the reason reported.
final class PythonPlugin: StrategyPlugin {
    private let host: PluginHost
    private let client: ModelClient
    private let deadlineMs: Int
    private let historyIntervals: Int
    private let mpc: MPCStrategy?
    private var failures = 0

    init(host: PluginHost, config json: JSON) throws(PluginError) {
        self.host = host
        let config = try PythonConfig(json)
        let script = config.script
        guard FileSystem.exists(script) else { throw .config("script: \(script) is not a file") }
        deadlineMs = config.deadlineMs
        historyIntervals = config.historyIntervals
        let initialize: JSON = [
            "instance": .string(host.instanceName), "role": .string(config.role.rawValue), "config": config.modelConfig,
            "abi": ["major": .int(Int64(host.abi.major)), "minor": .int(Int64(host.abi.minor))],
        ]
        client = ModelClient(command: [config.python, "-u", script] + config.args, initialize: initialize,
                             hungAfterMs: config.hungAfterMs, initTimeoutMs: config.initTimeoutMs,
                             maxStarts: config.maxStarts) { [host] in host.log(.info, $0) }
        if config.role == .forecaster {
            let mpcConfig: MPCStrategy.Config
            do { mpcConfig = try BuiltInStrategies.mpcConfig(config.mpc) } catch { throw .config("mpc.\(error)") }
            let forecaster = ModelForecaster(client: client, deadlineMs: deadlineMs, historyIntervals: historyIntervals)
            mpc = MPCStrategy(forecaster: forecaster, mpcConfig, reliable: false)
        } else {
            mpc = nil
        }
    }

    func stop() { client.stop() }

    func decide(_ o: Observation, targets: inout [Double]) throws(PluginError) -> String? {
        if let mpc {
            let reason = try EngineStrategy.decide(with: mpc, o, targets: &targets)
            if let reason { note(reason) }
            return reason
        }
        let answer = client.call("decide", ModelForecaster.params(o, history: historyIntervals), nowMs: o.nowMs,
                                 deadlineMs: deadlineMs)
        let result: JSON
        switch answer {
        case .failure(let f):
            throw fail(f.description, code: f.kind == .late ? MANTA_ERR_TIMEOUT : f.kind == .down ? MANTA_ERR_IO : MANTA_ERR_INVALID)
        case .success(let r): result = r
        }
        guard let list = result["targets_w"]?.array else { throw fail("the answer has no targets_w array", code: MANTA_ERR_INVALID) }
        guard list.count == targets.count else {
            throw fail("targets_w has \(list.count) values for \(targets.count) assets", code: MANTA_ERR_INVALID)
        }
        for (i, v) in list.enumerated() {
            if v.isNull { continue }  // null: hold this asset
            guard let w = v.number, w.isFinite else {
                throw fail("targets_w[\(i)] is \(v.serialized()), not a number of watts", code: MANTA_ERR_INVALID)
            }
            targets[i] = w
        }
        failures = 0
        return result["reason"]?.string
    }

    /// A decision the model could not make: logged (the first ten, then
    /// every hundredth) and returned as an error, so the host holds.
    private func fail(_ why: String, code: Int32) -> PluginError {
        note(why)
        return PluginError(code, why)
    }

    private func note(_ why: String) {
        failures += 1
        if failures <= 10 || failures % 100 == 0 { host.log(.warn, "\(why) (\(failures) in a row)") }
    }
}

/// The model as the MPC's forecaster.
final class ModelForecaster: Forecaster {
    let client: ModelClient
    let deadlineMs: Int
    let historyIntervals: Int
    var name: String { client.modelName.isEmpty ? "python" : client.modelName }

    init(client: ModelClient, deadlineMs: Int, historyIntervals: Int) {
        self.client = client
        self.deadlineMs = deadlineMs
        self.historyIntervals = historyIntervals
    }

    func forecast(_ obs: Observation, horizon: Int, into out: inout [Double]) throws {
        var p = ModelForecaster.params(obs, history: historyIntervals)
        p = p.merging(["horizon": .int(Int64(horizon))])
        switch client.call("forecast", p, nowMs: obs.nowMs, deadlineMs: deadlineMs) {
        case .failure(let f): throw f
        case .success(let result):
            guard let prices = result["prices"]?.array else { throw ModelFailure(.nonsense, "the answer has no prices array") }
            out = prices.map { $0.number ?? .nan }
        }
    }

    /// What a model is shown: the interval, its price, recent prices and the assets.
    static func params(_ o: Observation, history: Int) -> JSON {
        .object(JSONObject([
            ("interval_end", .string(MarketTime.iso(o.intervalEndMs))), ("interval_end_ms", .int(o.intervalEndMs)),
            ("region", .string(o.region)), ("vpp", .string(o.vpp)), ("price", .number(o.price)),
            ("history", .array(o.priceHistory.suffix(history).map { .number($0) })),
            ("assets", .array(o.assets.map { a in
                var fields = JSONObject([
                    ("id", .string(a.id)), ("soc", .number(a.soc)), ("capacity_wh", .number(a.capacityWh)),
                    ("max_charge_w", .number(a.maxChargeW)), ("max_discharge_w", .number(a.maxDischargeW)),
                    ("soc_min", .number(a.socMin)), ("soc_max", .number(a.socMax)), ("power_w", .number(a.powerW)),
                    ("round_trip_efficiency", .number(a.roundTripEfficiency)),
                ])
                if let s = a.site {
                    fields["site"] = .object(JSONObject([
                        ("id", .string(s.id)), ("load_w", s.loadW.map(JSON.number) ?? .null),
                        ("pv_w", s.pvW.map(JSON.number) ?? .null), ("grid_w", s.gridW.map(JSON.number) ?? .null),
                        ("export_limit_w", s.exportLimitW.map(JSON.number) ?? .null),
                        ("import_cap_w", s.importCapW.map(JSON.number) ?? .null),
                    ]))
                }
                return .object(fields)
            })),
        ]))
    }
}

extension JSON {
    func merging(_ other: JSON) -> JSON {
        guard var o = object, let extra = other.object else { return self }
        for (k, v) in extra.members { o[k] = v }
        return .object(o)
    }
}

@_cdecl("manta_module_entry_v1")
public func mantaModuleEntry(_ hostMajor: UInt32, _ hostMinor: UInt32) -> UnsafePointer<manta_module_t>? {
    MantaModule.export(PythonPlugin.self, ModuleInfo(id: "manta.python", version: "0.1.0"),
                       hostMajor: hostMajor, hostMinor: hostMinor)
}
