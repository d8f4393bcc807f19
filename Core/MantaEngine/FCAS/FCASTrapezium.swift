import MantaMarket

/// One FCAS service's trapezium, as AEMO's "FCAS Model in NEMDE" draws it:
/// the enablement a unit can offer against its energy dispatch x (MW, + =
/// discharge):
///
///     availability
///       max ---------+-----------+
///                   /             \
///                  /               \
///       0 --------+                 +-------- x
///              EnMin  LowBP   HighBP  EnMax
///
/// NEMDE turns it into the joint capacity constraints on each contingency
/// service s (with the same side's regulation added where enabled):
///
///     x + USC_s v_s + reg_raise <= EnMax_s,  USC = (EnMax - HighBP) / MaxAvail
///     x - LSC_s v_s - reg_lower >= EnMin_s,  LSC = (LowBP - EnMin) / MaxAvail
///
/// and the same two on regulation alone, with 0 <= v_s <= MaxAvail.
///
/// A battery's own trapezium (`battery(chargeMW:dischargeMW:raise:)`) spans
/// EnMin = -Pc to EnMax = Pd: for a raise service the whole of the discharge
/// it is not using (HighBP = 0, so x + r <= Pd), for a lower service the
/// charge it is not using (LowBP = 0, so x - l >= -Pc). The operator's
/// trapezium, from the unit's registered FCAS offer, tightens it.
public struct FCASTrapezium: Sendable, Equatable {
    public var enablementMinMW: Double
    public var lowBreakpointMW: Double
    public var highBreakpointMW: Double
    public var enablementMaxMW: Double
    public var maxAvailabilityMW: Double

    public init(enablementMinMW: Double, lowBreakpointMW: Double, highBreakpointMW: Double, enablementMaxMW: Double,
                maxAvailabilityMW: Double) {
        self.enablementMinMW = enablementMinMW
        self.lowBreakpointMW = lowBreakpointMW
        self.highBreakpointMW = highBreakpointMW
        self.enablementMaxMW = enablementMaxMW
        self.maxAvailabilityMW = maxAvailabilityMW
    }

    /// The trapezium a battery charging up to `chargeMW` and discharging up
    /// to `dischargeMW` has on its own, for a raise or a lower service.
    public static func battery(chargeMW pc: Double, dischargeMW pd: Double, raise: Bool) -> FCASTrapezium {
        raise
            ? FCASTrapezium(enablementMinMW: -pc, lowBreakpointMW: -pc, highBreakpointMW: 0, enablementMaxMW: pd, maxAvailabilityMW: pd)
            : FCASTrapezium(enablementMinMW: -pc, lowBreakpointMW: 0, highBreakpointMW: pd, enablementMaxMW: pd, maxAvailabilityMW: pc)
    }

    /// The upper slope coefficient (EnMax - HighBP) / MaxAvail.
    public var upperSlope: Double { maxAvailabilityMW > 0 ? (enablementMaxMW - highBreakpointMW) / maxAvailabilityMW : 0 }
    /// The lower slope coefficient (LowBP - EnMin) / MaxAvail.
    public var lowerSlope: Double { maxAvailabilityMW > 0 ? (lowBreakpointMW - enablementMinMW) / maxAvailabilityMW : 0 }

    /// The most the trapezium allows at energy dispatch `x`, MW.
    public func availability(atMW x: Double) -> Double {
        guard x >= enablementMinMW, x <= enablementMaxMW, maxAvailabilityMW > 0 else { return 0 }
        var a = maxAvailabilityMW
        if upperSlope > 0 { a = min(a, (enablementMaxMW - x) / upperSlope) }
        if lowerSlope > 0 { a = min(a, (x - enablementMinMW) / lowerSlope) }
        return max(0, a)
    }

    /// What is wrong with it, one phrase each naming the parameter; empty
    /// when it is a trapezium.
    public func problems(_ service: FCASService) -> [String] {
        let v = [enablementMinMW, lowBreakpointMW, highBreakpointMW, enablementMaxMW, maxAvailabilityMW]
        guard v.allSatisfy({ $0.isFinite && abs($0) <= 1e5 }) else {
            return ["\(service.name): every trapezium figure must be finite and within +/-100000 MW"]
        }
        var out: [String] = []
        if !(enablementMinMW <= lowBreakpointMW && lowBreakpointMW <= highBreakpointMW && highBreakpointMW <= enablementMaxMW) {
            out.append("\(service.name): need enablement_min <= low_breakpoint <= high_breakpoint <= enablement_max (got \(enablementMinMW), \(lowBreakpointMW), \(highBreakpointMW), \(enablementMaxMW))")
        }
        if maxAvailabilityMW < 0 { out.append("\(service.name): max_availability must be >= 0 (got \(maxAvailabilityMW))") }
        return out
    }
}
