import Glibc
import MantaEngine
import MantaKit
import MantaSDK

/// A strategy's answer: a target per asset (+ = discharge) and a reason.
public struct StrategyDecision: Sendable, Equatable {
    public var targetsW: [Double]
    public var reason: String
}

/// Calls into "manta.strategy/1". Run on the instance's worker only.
enum StrategyCalls {
    /// Lays `obs` out as the C structs the ABI defines (strings and arrays
    /// borrowed for the call), calls decide(), and copies the answer out.
    static func decide(_ m: LoadedModule, _ h: OpaquePointer, _ obs: StrategyObservation)
        -> Result<StrategyDecision, PluginCallError>
    {
        let t = m.kindTable.assumingMemoryBound(to: manta_strategy_t.self).pointee
        var owned: [UnsafeMutablePointer<CChar>] = []
        defer { owned.forEach { free($0) } }
        func str(_ s: String) -> manta_str_t {
            let c = strdup(s)!
            owned.append(c)
            return manta_str_t(ptr: c, len: UInt64(s.utf8.count))
        }
        let assets = obs.assets.map { a in
            manta_asset_state_t(
                struct_size: UInt32(MemoryLayout<manta_asset_state_t>.size), kind: a.kind.rawValue, id: str(a.id),
                soc: a.soc, capacity_wh: a.capacityWh, max_charge_w: a.maxChargeW, max_discharge_w: a.maxDischargeW,
                soc_min: a.socMin, soc_max: a.socMax, power_w: a.powerW, round_trip_efficiency: a.roundTripEfficiency)
        }
        var targets = [Double](repeating: 0, count: assets.count)
        var decision = manta_decision_t()
        decision.struct_size = UInt32(MemoryLayout<manta_decision_t>.size)
        decision.count = UInt32(assets.count)
        let vpp = str(obs.vpp), region = str(obs.region)
        let rc = obs.priceHistory.withUnsafeBufferPointer { history in
            assets.withUnsafeBufferPointer { assetBuf in
                targets.withUnsafeMutableBufferPointer { targetBuf in
                    decision.target_w = targetBuf.baseAddress
                    var o = manta_observation_t(
                        struct_size: UInt32(MemoryLayout<manta_observation_t>.size), reserved0: 0,
                        now_ms: obs.nowMs, interval_end_ms: obs.intervalEndMs, interval_ms: obs.intervalMs,
                        deadline_ms: obs.deadlineMs, vpp: vpp, region: region, price: obs.price,
                        price_history: history.baseAddress, history_count: UInt32(history.count),
                        asset_count: UInt32(assetBuf.count), assets: assetBuf.baseAddress,
                        asset_stride: UInt32(MemoryLayout<manta_asset_state_t>.stride), reserved1: 0)
                    return t.decide(h, &o, &decision)
                }
            }
        }
        guard rc == MANTA_OK else { return .failure(PluginCallError("decide() returned \(StatusCode.name(rc))")) }
        let reason = withUnsafeBytes(of: decision.reason) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        return .success(StrategyDecision(targetsW: targets, reason: reason))
    }
}
