import EngineStrategy
import MantaEngine
import MantaJSON
import MantaKit
import MantaSDK

/// The engine's built-in strategies (threshold, rules, the MPCs) as a
/// plugin, so that mantad can trade with them live and the arena can run
/// them in shadow: `{"strategy": "mpc-regression", "config": {...}}`.
final class BuiltInPlugin: StrategyPlugin {
    private let strategy: Strategy

    init(host: PluginHost, config json: JSON) throws(PluginError) {
        let config = try BuiltInConfig(json)
        let name = config.strategy
        do {
            guard let s = try BuiltInStrategies.make(name, config: config.config) else {
                throw PluginError.config("strategy: \(name) is not one of \(BuiltInStrategies.accepted.joined(separator: ", "))")
            }
            strategy = s
        } catch let e as PluginError {
            throw e
        } catch {
            throw PluginError.config("config.\(error)")
        }
    }

    func decide(_ observation: Observation, targets: inout [Double]) throws(PluginError) -> String? {
        try EngineStrategy.decide(with: strategy, observation, targets: &targets)
    }

    func enable(_ observation: Observation, targets: [Double], fcasMW: inout [Double]) throws(PluginError) {
        try EngineStrategy.enable(with: strategy, observation, targets: targets, fcasMW: &fcasMW)
    }
}

@_cdecl("manta_module_entry_v1")
public func mantaModuleEntry(_ hostMajor: UInt32, _ hostMinor: UInt32) -> UnsafePointer<manta_module_t>? {
    MantaModule.export(BuiltInPlugin.self, ModuleInfo(id: "manta.builtin", version: "0.1.0"),
                       hostMajor: hostMajor, hostMinor: hostMinor)
}
