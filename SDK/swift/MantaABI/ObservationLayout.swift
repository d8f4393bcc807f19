import Glibc
import MantaSDK

/// Lays an Observation out as the ABI's C structs for a call of decide().
///
/// Reusable: strings and the asset array are built once and kept while the
/// assets stay the same, so a backtest pays per interval only for what
/// changes (state of charge, power, the history pointer). One thread at a
/// time.
public final class ObservationLayout {
    private var assets: [manta_asset_state_t] = []
    private var assetIDs: [String] = []
    private var strings: [UnsafeMutablePointer<CChar>] = []
    private var vpp = "", region = ""
    private var vppC = manta_str_t(ptr: nil, len: 0), regionC = manta_str_t(ptr: nil, len: 0)

    public init() {}

    deinit { strings.forEach { free($0) } }

    private func cString(_ s: String) -> manta_str_t {
        let c = strdup(s)!
        strings.append(c)
        return manta_str_t(ptr: c, len: UInt64(s.utf8.count))
    }

    /// Rebuilds the strings and the asset array when the assets changed.
    private func prepare(_ obs: Observation) {
        let same = assetIDs.count == obs.assets.count && obs.vpp == vpp && obs.region == region
            && zip(assetIDs, obs.assets).allSatisfy { $0 == $1.id }
        guard !same else { return }
        strings.forEach { free($0) }
        strings = []
        assetIDs = obs.assets.map(\.id)
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

    /// `withC` offering no FCAS (the decision's fcas_mw is NULL).
    public func withC<R>(_ obs: Observation, targets: inout [Double],
                         _ body: (UnsafeMutablePointer<manta_observation_t>, UnsafeMutablePointer<manta_decision_t>) -> R)
        -> R
    {
        var none: [Double] = []
        return withC(obs, targets: &targets, fcasMW: &none, body)
    }

    /// Calls `body` with `obs` as a manta_observation_t and a decision
    /// whose target_w is `targets` (one per asset, pre-filled by the
    /// caller) and whose fcas_mw is `fcasMW` (Price.fcasCount per asset,
    /// pre-filled; NULL when empty). Both carry this side's struct_size;
    /// valid during `body` only.
    public func withC<R>(_ obs: Observation, targets: inout [Double], fcasMW: inout [Double],
                         _ body: (UnsafeMutablePointer<manta_observation_t>, UnsafeMutablePointer<manta_decision_t>) -> R)
        -> R
    {
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
        var decision = manta_decision_t()
        decision.struct_size = ABIGrowth.size(of: manta_decision_t.self)
        decision.count = UInt32(assets.count)
        let (vppC, regionC) = (self.vppC, self.regionC)
        return obs.priceHistory.withUnsafeBufferPointer { history in
            assets.withUnsafeBufferPointer { assetBuf in
                targets.withUnsafeMutableBufferPointer { targetBuf in
                    fcasMW.withUnsafeMutableBufferPointer { fcasBuf in
                        decision.target_w = targetBuf.baseAddress
                        decision.fcas_mw = fcasBuf.isEmpty ? nil : fcasBuf.baseAddress
                        var o = manta_observation_t()
                        o.struct_size = ABIGrowth.size(of: manta_observation_t.self)
                        o.now_ms = obs.nowMs
                        o.interval_end_ms = obs.intervalEndMs
                        o.interval_ms = obs.intervalMs
                        o.deadline_ms = obs.deadlineMs
                        o.vpp = vppC
                        o.region = regionC
                        o.price = obs.price
                        o.price_history = history.baseAddress
                        o.history_count = UInt32(history.count)
                        o.asset_count = UInt32(assetBuf.count)
                        o.assets = assetBuf.baseAddress
                        // This side's stride: a strategy steps by it, not by its own sizeof.
                        o.asset_stride = UInt32(MemoryLayout<manta_asset_state_t>.stride)
                        o.fcas_priced = FCASSlots.write(obs.fcas, into: &o.fcas)
                        return body(&o, &decision)
                    }
                }
            }
        }
    }
}
