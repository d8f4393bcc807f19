import Glibc
import MantaEngine
import MantaKit
import MantaSDK

/// A strategy's answer: a target per asset (+ = discharge) and a reason.
public struct StrategyDecision: Sendable, Equatable {
    public var targetsW: [Double]
    public var reason: String
}

/// Lays a StrategyObservation out as the ABI's C structs and calls decide().
///
/// Reusable: strings and the asset array are built once and kept while the
/// assets stay the same, so a backtest pays per interval only for what
/// changes (state of charge, power, the history pointer). Run on the
/// instance's worker (or the one thread a backtest runs on).
final class ObservationMarshal {
    private var assets: [manta_asset_state_t] = []
    private var assetIDs: [String] = []
    private var strings: [UnsafeMutablePointer<CChar>] = []
    private var vpp = "", region = ""
    private var vppC = manta_str_t(ptr: nil, len: 0), regionC = manta_str_t(ptr: nil, len: 0)

    deinit { strings.forEach { free($0) } }

    private func cString(_ s: String) -> manta_str_t {
        let c = strdup(s)!
        strings.append(c)
        return manta_str_t(ptr: c, len: UInt64(s.utf8.count))
    }

    /// Rebuilds the strings and the asset array when the assets changed.
    private func prepare(_ obs: StrategyObservation) {
        let same = assetIDs.count == obs.assets.count && obs.vpp == vpp && obs.region == region
            && zip(assetIDs, obs.assets).allSatisfy { $0 == $1.id }
        guard !same else { return }
        let ids = obs.assets.map(\.id)
        strings.forEach { free($0) }
        strings = []
        assetIDs = ids
        vpp = obs.vpp
        region = obs.region
        vppC = cString(vpp)
        regionC = cString(region)
        assets = obs.assets.map { a in
            manta_asset_state_t(
                struct_size: ABIGrowth.size(of: manta_asset_state_t.self), kind: a.kind.rawValue, id: cString(a.id),
                soc: a.soc, capacity_wh: a.capacityWh, max_charge_w: a.maxChargeW, max_discharge_w: a.maxDischargeW,
                soc_min: a.socMin, soc_max: a.socMax, power_w: a.powerW, round_trip_efficiency: a.roundTripEfficiency)
        }
    }

    /// Calls decide(); `targets` (one per asset, pre-filled by the caller)
    /// receives the answer. Returns the status and, when asked, the reason.
    func decide(_ m: LoadedModule, _ h: OpaquePointer, _ obs: StrategyObservation, targets: inout [Double],
                wantReason: Bool) -> (status: Int32, reason: String) {
        prepare(obs)
        for (i, a) in obs.assets.enumerated() {
            assets[i].soc = a.soc
            assets[i].power_w = a.powerW
            assets[i].capacity_wh = a.capacityWh
            assets[i].max_charge_w = a.maxChargeW
            assets[i].max_discharge_w = a.maxDischargeW
            assets[i].soc_min = a.socMin
            assets[i].soc_max = a.socMax
        }
        let fn = m.kindTable.assumingMemoryBound(to: manta_strategy_t.self).pointee.decide!
        var decision = manta_decision_t()
        decision.struct_size = ABIGrowth.size(of: manta_decision_t.self)
        decision.count = UInt32(assets.count)
        let (vppC, regionC) = (self.vppC, self.regionC)
        let rc = obs.priceHistory.withUnsafeBufferPointer { history in
            assets.withUnsafeBufferPointer { assetBuf in
                targets.withUnsafeMutableBufferPointer { targetBuf in
                    decision.target_w = targetBuf.baseAddress
                    var o = manta_observation_t(
                        struct_size: ABIGrowth.size(of: manta_observation_t.self), reserved0: 0,
                        now_ms: obs.nowMs, interval_end_ms: obs.intervalEndMs, interval_ms: obs.intervalMs,
                        deadline_ms: obs.deadlineMs, vpp: vppC, region: regionC, price: obs.price,
                        price_history: history.baseAddress, history_count: UInt32(history.count),
                        asset_count: UInt32(assetBuf.count), assets: assetBuf.baseAddress,
                        // The host's stride: a strategy steps by it, not by its own sizeof.
                        asset_stride: UInt32(MemoryLayout<manta_asset_state_t>.stride), reserved1: 0)
                    return fn(h, &o, &decision)
                }
            }
        }
        guard wantReason, rc == MANTA_OK else { return (rc, "") }
        return (rc, withUnsafeBytes(of: decision.reason) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) })
    }
}

/// Calls into "manta.strategy/1" for the dispatch cycle. Run on the
/// instance's worker only.
enum StrategyCalls {
    static func decide(_ m: LoadedModule, _ h: OpaquePointer, _ obs: StrategyObservation)
        -> Result<StrategyDecision, PluginCallError>
    {
        var targets = [Double](repeating: 0, count: obs.assets.count)
        let (rc, reason) = ObservationMarshal().decide(m, h, obs, targets: &targets, wantReason: true)
        guard rc == MANTA_OK else { return .failure(PluginCallError("decide() returned \(StatusCode.name(rc))")) }
        return .success(StrategyDecision(targetsW: targets, reason: reason))
    }
}
