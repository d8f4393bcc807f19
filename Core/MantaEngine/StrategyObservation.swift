import MantaModel

/// One controllable asset as a strategy sees it. Powers are magnitudes in
/// W; `soc` is NaN when unknown or stale.
public struct AssetView: Sendable, Equatable {
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

    /// The limits the host enforces on a decision for this asset.
    public var limits: AssetLimits {
        AssetLimits(ratings: DeviceRatings(maxChargeW: maxChargeW, maxDischargeW: maxDischargeW, capacityWh: capacityWh,
                                           socMin: socMin, socMax: socMax, roundTripEfficiency: roundTripEfficiency),
                    soc: soc.isFinite ? soc : nil)
    }
}

/// What a strategy is shown for one interval: the SDK's manta_observation_t
/// in Swift. The same value drives live dispatch and backtests.
public struct StrategyObservation: Sendable, Equatable {
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
    public var assets: [AssetView]

    public init(nowMs: Int64, intervalEndMs: Int64, intervalMs: Int64, deadlineMs: Int64, vpp: String,
                region: String, price: Double, priceHistory: ArraySlice<Double>, assets: [AssetView]) {
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
}
