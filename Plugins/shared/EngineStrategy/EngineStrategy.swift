import MantaEngine
import MantaKit

/// Runs an engine `Strategy` as a plugin: what lets the built-in strategies
/// and the Python bridge trade live in mantad through the same ABI as any
/// vendor's strategy. The kit's Observation is the engine's (MantaABI), so
/// nothing is converted.
///
/// Decides through `strategy`, turning a thrown error into a reported one
/// (the host then holds for the interval, as for any failed decision).
public func decide(with strategy: Strategy, _ o: Observation, targets: inout [Double]) throws(PluginError) -> String? {
    do {
        return try strategy.decide(o, targets: &targets)
    } catch let e as PluginError {
        throw e
    } catch {
        throw PluginError.invalid("\(strategy.name): \(error)")
    }
}
