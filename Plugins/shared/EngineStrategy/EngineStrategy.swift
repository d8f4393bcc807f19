import MantaEngine
import MantaKit
import MantaMarket

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

/// Enables FCAS through `strategy` when it trades it (FCASTrading), into
/// the decision's flat buffer (Price.fcasCount per asset).
public func enable(with strategy: Strategy, _ o: Observation, targets: [Double], fcasMW: inout [Double]) throws(PluginError) {
    guard let trader = strategy as? FCASTrading else { return }
    var enablement = FCASEnablement(assets: o.assets.count)
    do {
        _ = try trader.enable(o, prices: FCASPrices(values: o.fcas), targets: targets, enablement: &enablement)
    } catch {
        throw PluginError.invalid("\(strategy.name) (FCAS): \(error)")
    }
    for i in 0..<o.assets.count {
        for s in FCASService.allCases { fcasMW[i * Price.fcasCount + s.rawValue] = enablement[i, s] }
    }
}
