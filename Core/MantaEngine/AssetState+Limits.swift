import MantaABI

// What a strategy sees is the ABI's Observation and AssetState (MantaABI);
// the engine adds what only it needs.
extension AssetState {
    /// The limits the host enforces on a decision for this asset.
    public var limits: AssetLimits {
        AssetLimits(ratings: DeviceRatings(maxChargeW: maxChargeW, maxDischargeW: maxDischargeW, capacityWh: capacityWh,
                                           socMin: socMin, socMax: socMax, roundTripEfficiency: roundTripEfficiency),
                    soc: soc.isFinite ? soc : nil)
    }
}
