/// Proportional (droop) frequency response, as a battery's controller gives
/// it and as a verification owes it: nothing inside the NEM's normal
/// operating frequency band, then in proportion to the deviation beyond
/// the band's edge, all that is enabled at `fullResponseHz` from 50 Hz.
/// One formula for the sim driver's controllers and the host's
/// verification report, so the two cannot drift apart.
public enum FrequencyDroop {
    public static let nominalHz = 50.0
    /// The normal operating frequency band.
    public static let band = 49.85...50.15

    /// The share (0...1) of its enablement a response owes at `hz`: the raise
    /// side's below the band, the lower side's above it; 0 on the wrong side,
    /// inside the band or for a frequency or droop that is not a number.
    public static func share(at hz: Double, raise: Bool, fullResponseHz: Double) -> Double {
        let span = fullResponseHz - (nominalHz - band.lowerBound)
        guard hz.isFinite, span > 0 else { return 0 }
        let beyond = raise ? band.lowerBound - hz : hz - band.upperBound
        return min(1, max(0, beyond / span))
    }
}
