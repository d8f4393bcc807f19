import MantaSDK

/// An asset as a strategy sees it (manta_asset_state_t).
public struct AssetState: Sendable {
    public var kind: Int32
    public var id: String
    public var soc: Double
    public var capacityWh: Double
    public var maxChargeW: Double
    public var maxDischargeW: Double
    public var socMin: Double
    public var socMax: Double
    public var powerW: Double
    public var roundTripEfficiency: Double
}

/// What the host shows a strategy each interval (manta_observation_t).
public struct Observation: Sendable {
    public var nowMs: Int64
    public var intervalEndMs: Int64
    public var intervalMs: Int64
    public var deadlineMs: Int64
    public var vpp: String
    public var region: String
    /// RRP of this interval, AUD/MWh; NaN when not known.
    public var price: Double
    /// Earlier RRPs, oldest first, ending with the previous interval.
    public var priceHistory: [Double]
    public var assets: [AssetState]

    /// Reads the host's observation as rule 3 says; nil when it or one of
    /// its assets is smaller than ABI 1.0's, or the stride is.
    init?(_ o: UnsafePointer<manta_observation_t>) {
        guard let c = ABIGrowth.read(o, as: manta_observation_t.self, minimum: ABIGrowth.Size10.observation) else { return nil }
        nowMs = c.now_ms
        intervalEndMs = c.interval_end_ms
        intervalMs = c.interval_ms
        deadlineMs = c.deadline_ms
        vpp = String(manta: c.vpp)
        region = String(manta: c.region)
        price = c.price
        priceHistory = c.price_history.map { Array(UnsafeBufferPointer(start: $0, count: Int(c.history_count))) } ?? []
        assets = []
        assets.reserveCapacity(Int(c.asset_count))
        guard let base = c.assets.map(UnsafeRawPointer.init) else { return }
        guard c.asset_count == 0 || Int(c.asset_stride) >= ABIGrowth.Size10.assetState else { return nil }
        for i in 0..<Int(c.asset_count) {
            guard let a = ABIGrowth.read(base + i * Int(c.asset_stride), as: manta_asset_state_t.self,
                                         minimum: ABIGrowth.Size10.assetState) else { return nil }
            assets.append(AssetState(
                kind: a.kind, id: String(manta: a.id), soc: a.soc, capacityWh: a.capacity_wh,
                maxChargeW: a.max_charge_w, maxDischargeW: a.max_discharge_w, socMin: a.soc_min,
                socMax: a.soc_max, powerW: a.power_w, roundTripEfficiency: a.round_trip_efficiency))
        }
    }
}
