import MantaEngine
import MantaKit
import MantaModel

/// Runs an engine `Strategy` as a plugin: what lets the built-in strategies
/// and the Python bridge trade live in mantad through the same ABI as any
/// vendor's strategy.
extension StrategyObservation {
    /// The kit's view of manta_observation_t as the engine's value.
    public init(_ o: Observation) {
        self.init(nowMs: o.nowMs, intervalEndMs: o.intervalEndMs, intervalMs: o.intervalMs, deadlineMs: o.deadlineMs,
                  vpp: o.vpp, region: o.region, price: o.price, priceHistory: o.priceHistory[...],
                  assets: o.assets.map { a in
                      AssetView(id: a.id, kind: DeviceKind(rawValue: a.kind) ?? .battery, soc: a.soc, capacityWh: a.capacityWh,
                                maxChargeW: a.maxChargeW, maxDischargeW: a.maxDischargeW, socMin: a.socMin, socMax: a.socMax,
                                powerW: a.powerW, roundTripEfficiency: a.roundTripEfficiency)
                  })
    }
}

/// Decides through `strategy`, turning a thrown error into a reported one
/// (the host then holds for the interval, as for any failed decision).
public func decide(with strategy: Strategy, _ o: Observation, targets: inout [Double]) throws(PluginError) -> String? {
    do {
        return try strategy.decide(StrategyObservation(o), targets: &targets)
    } catch let e as PluginError {
        throw e
    } catch {
        throw PluginError.invalid("\(strategy.name): \(error)")
    }
}
