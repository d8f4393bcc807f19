import MantaSDK

/// One controllable asset as a strategy sees it (manta_asset_state_t).
/// Powers are magnitudes in W; `soc` is NaN when unknown or stale.
public struct AssetState: Sendable, Equatable {
    public var id: String
    public var kind: DeviceKind
    public var soc: Double
    public var capacityWh: Double
    public var maxChargeW: Double
    public var maxDischargeW: Double
    public var socMin: Double
    public var socMax: Double
    /// Last measured power, + = discharge.
    public var powerW: Double
    public var roundTripEfficiency: Double
    /// The asset's site as the host measures it (ABI 1.5); nil when the
    /// host did not say (an older host, or no site).
    public var site: SiteState?

    public init(id: String, kind: DeviceKind, soc: Double, capacityWh: Double, maxChargeW: Double,
                maxDischargeW: Double, socMin: Double, socMax: Double, powerW: Double, roundTripEfficiency: Double) {
        self.id = id
        self.kind = kind
        self.soc = soc
        self.capacityWh = capacityWh
        self.maxChargeW = maxChargeW
        self.maxDischargeW = maxDischargeW
        self.socMin = socMin
        self.socMax = socMax
        self.powerW = powerW
        self.roundTripEfficiency = roundTripEfficiency
    }

    /// Reads the host's asset (the id copied). Only storage is dispatched,
    /// so a kind code this side does not know reads as a battery.
    public init(_ c: manta_asset_state_t) {
        self.init(id: String(manta: c.id), kind: DeviceKind(rawValue: c.kind) ?? .battery, soc: c.soc,
                  capacityWh: c.capacity_wh, maxChargeW: c.max_charge_w, maxDischargeW: c.max_discharge_w,
                  socMin: c.soc_min, socMax: c.soc_max, powerW: c.power_w, roundTripEfficiency: c.round_trip_efficiency)
        if ABIGrowth.hasField(c.struct_size, \manta_asset_state_t.import_cap_w), c.site.len > 0 {
            func known(_ w: Double) -> Double? { w.isFinite ? w : nil }
            site = SiteState(id: String(manta: c.site), loadW: known(c.site_load_w), pvW: known(c.site_pv_w),
                             gridW: known(c.site_grid_w), exportLimitW: known(c.export_limit_w), importCapW: known(c.import_cap_w))
        }
    }
}

/// An asset's site as the host measures it when it calls decide() (ABI
/// 1.5): the home's load and PV, the grid meter, and the network's limits
/// in force, so a strategy can plan around them. Watts; nil: not known,
/// or for a limit, none in force.
public struct SiteState: Sendable, Equatable {
    public var id: String
    /// The household's consumption, >= 0.
    public var loadW: Double?
    /// The site's PV output, >= 0.
    public var pvW: Double?
    /// At the grid meter: + = export, - = import.
    public var gridW: Double?
    /// The most restrictive export limit in force on the site.
    public var exportLimitW: Double?
    /// The import cap in force on the site now (Cap Service).
    public var importCapW: Double?

    public init(id: String, loadW: Double? = nil, pvW: Double? = nil, gridW: Double? = nil, exportLimitW: Double? = nil,
                importCapW: Double? = nil) {
        self.id = id
        self.loadW = loadW
        self.pvW = pvW
        self.gridW = gridW
        self.exportLimitW = exportLimitW
        self.importCapW = importCapW
    }
}

/// What a strategy is shown for one interval (manta_observation_t). The
/// same value drives live dispatch, plugin strategies and backtests.
public struct Observation: Sendable, Equatable {
    public var nowMs: Int64
    /// END of the interval being decided.
    public var intervalEndMs: Int64
    public var intervalMs: Int64
    public var deadlineMs: Int64
    public var vpp: String
    public var region: String
    /// RRP of this interval, AUD/MWh; NaN when not known.
    public var price: Double
    /// RRPs before this interval, oldest first; NaN for gaps. A slice, so
    /// that a backtest can show a window onto its series without a copy.
    public var priceHistory: ArraySlice<Double>
    public var assets: [AssetState]
    /// The interval's FCAS prices, AUD/MW/h, indexed by MANTA_FCAS_* (ABI
    /// 1.2): empty when no FCAS is offered, else `Price.fcasCount` long with
    /// NaN for a service not priced.
    public var fcas: [Double] = []

    public init(nowMs: Int64, intervalEndMs: Int64, intervalMs: Int64, deadlineMs: Int64, vpp: String,
                region: String, price: Double, priceHistory: ArraySlice<Double>, assets: [AssetState]) {
        self.nowMs = nowMs
        self.intervalEndMs = intervalEndMs
        self.intervalMs = intervalMs
        self.deadlineMs = deadlineMs
        self.vpp = vpp
        self.region = region
        self.price = price
        self.priceHistory = priceHistory
        self.assets = assets
    }

    /// Reads the host's observation as rule 3 says; nil when it or one of
    /// its assets is smaller than ABI 1.0's, or the stride is.
    public init?(_ o: UnsafePointer<manta_observation_t>) {
        guard let c = ABIGrowth.read(o, as: manta_observation_t.self, minimum: ABIGrowth.Size10.observation) else { return nil }
        var assets: [AssetState] = []
        assets.reserveCapacity(Int(c.asset_count))
        if let base = c.assets.map(UnsafeRawPointer.init) {
            guard c.asset_count == 0 || Int(c.asset_stride) >= ABIGrowth.Size10.assetState else { return nil }
            for i in 0..<Int(c.asset_count) {
                guard let a = ABIGrowth.read(base + i * Int(c.asset_stride), as: manta_asset_state_t.self,
                                             minimum: ABIGrowth.Size10.assetState) else { return nil }
                assets.append(AssetState(a))
            }
        }
        let history = c.price_history.map { Array(UnsafeBufferPointer(start: $0, count: Int(c.history_count))) } ?? []
        self.init(nowMs: c.now_ms, intervalEndMs: c.interval_end_ms, intervalMs: c.interval_ms, deadlineMs: c.deadline_ms,
                  vpp: String(manta: c.vpp), region: String(manta: c.region), price: c.price, priceHistory: history[...],
                  assets: assets)
        if ABIGrowth.hasField(c.struct_size, \manta_observation_t.fcas) { fcas = FCASSlots.read(c.fcas_priced, c.fcas) }
    }
}

/// A strategy's answer (manta_decision_t): a target per asset (+ =
/// discharge, W) and an optional reason.
public struct Decision: Sendable, Equatable {
    public var targetsW: [Double]
    public var reason: String
    /// FCAS enablement, MW, asset by asset, `Price.fcasCount` per asset
    /// (manta_decision_t.fcas_mw, ABI 1.2); empty when none was asked for.
    public var fcasMW: [Double]

    public init(targetsW: [Double], reason: String = "", fcasMW: [Double] = []) {
        self.targetsW = targetsW
        self.reason = reason
        self.fcasMW = fcasMW
    }
}
