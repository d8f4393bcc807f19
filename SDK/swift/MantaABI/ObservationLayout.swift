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
    private var assetSites: [String] = []
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
            && zip(assetSites, obs.assets).allSatisfy { $0 == ($1.site?.id ?? "") }
        guard !same else { return }
        strings.forEach { free($0) }
        strings = []
        assetIDs = obs.assets.map(\.id)
        vpp = obs.vpp
        region = obs.region
        vppC = cString(vpp)
        regionC = cString(region)
        assetSites = obs.assets.map { $0.site?.id ?? "" }
        assets = obs.assets.map { a in
            var c = manta_asset_state_t()
            c.struct_size = ABIGrowth.size(of: manta_asset_state_t.self)
            c.kind = a.kind.rawValue
            c.id = cString(a.id)
            c.round_trip_efficiency = a.roundTripEfficiency
            c.site = a.site.map { cString($0.id) } ?? manta_str_t(ptr: nil, len: 0)
            return c
        }
    }

    /// The values that change from call to call (the strings stay).
    private static func fill(_ c: inout manta_asset_state_t, _ a: AssetState) {
        c.soc = a.soc
        c.power_w = a.powerW
        c.capacity_wh = a.capacityWh
        c.max_charge_w = a.maxChargeW
        c.max_discharge_w = a.maxDischargeW
        c.soc_min = a.socMin
        c.soc_max = a.socMax
        let s = a.site
        c.site_load_w = s?.loadW ?? .nan
        c.site_pv_w = s?.pvW ?? .nan
        c.site_grid_w = s?.gridW ?? .nan
        c.export_limit_w = s?.exportLimitW ?? .infinity
        c.import_cap_w = s?.importCapW ?? .infinity
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
        for (i, a) in obs.assets.enumerated() { Self.fill(&assets[i], a) }
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
