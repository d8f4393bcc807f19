import ArgumentParser
import MantaEngine
import MantaHost
import MantaIO
import MantaJSON

/// `--strategy` checked before any price is read: loading a year of prices
/// takes seconds, and a misspelt strategy should not cost them. The rules
/// are BacktestJob's (which checks again when it builds the strategy): the
/// bound, the oracle, a built-in name, a .so path, a plugin's manifest id.
enum StrategyArgument {
    static func check(_ name: String, config: JSON?, pluginDirs: [String], libraryDirs: [String]) throws(ValidationError) {
        switch name {
        case "optimal":
            return
        case "mpc-oracle", "mpc-predispatch":
            do { _ = try BuiltInStrategies.mpcConfig(config ?? .object(JSONObject())) } catch {
                throw ValidationError("--strategy \(name) config: \(error.description)")
            }
        case _ where name.hasSuffix(".so") || name.contains("/"):
            guard FileSystem.exists(name) else { throw ValidationError("--strategy \(name): no such file") }
        case _ where BuiltInStrategies.accepted.contains(name):
            do { _ = try BuiltInStrategies.make(name, config: config) } catch {
                throw ValidationError("--strategy \(name) config: \(error.description)")
            }
        default:
            let index = ManifestIndex(pluginDirs: pluginDirs, libraryDirs: libraryDirs)
            guard let manifest = index.manifest(id: name) else {
                let known = (BuiltInStrategies.accepted + ["optimal", "mpc-oracle", "mpc-predispatch"]).joined(separator: ", ")
                throw ValidationError("--strategy \(name): unknown; built in: \(known), a strategy plugin's id, or its .so path")
            }
            if case .failure(let e) = index.libraryPath(for: manifest) {
                throw ValidationError("--strategy \(name): \(e.description)")
            }
        }
    }
}
