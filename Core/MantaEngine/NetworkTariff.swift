/// What a battery's charging costs on the network, beside the energy: a
/// charge per MWh it draws, and a demand charge on its monthly peak
/// charging power. The backtester and the live host's settlement charge
/// them by the same rules.
public struct NetworkTariff: Sendable, Equatable {
    /// AUD per MWh charged from the grid.
    public var perMWh: Double
    /// AUD per kW of the month's peak charging power (an interval's average).
    public var demandPerKWMonth: Double

    public init(perMWh: Double = 0, demandPerKWMonth: Double = 0) {
        self.perMWh = perMWh
        self.demandPerKWMonth = demandPerKWMonth
    }

    public var isZero: Bool { perMWh == 0 && demandPerKWMonth == 0 }

    /// The network charge on `chargedWh`.
    public func networkAUD(chargedWh: Double) -> Double { perMWh * max(0, chargedWh) / 1e6 }
}

/// One battery's monthly charging peak. The demand charge is paid as the
/// peak rises, in the interval that raises it, so a month's charges sum to
/// its peak times the rate and every interval's settlement is final when
/// it is made.
public struct DemandPeak: Sendable, Equatable {
    /// The month (year x 100 + month, market time) and its peak so far, kW.
    public private(set) var month = Int.min
    public private(set) var peakKW = 0.0

    public init() {}

    /// What charging at `kW` (an interval's average) in `month` adds to
    /// the demand charge at `rate` AUD/kW/month.
    public mutating func charge(kW: Double, month m: Int, rate: Double) -> Double {
        if m != month {
            month = m
            peakKW = 0
        }
        guard rate > 0, kW > peakKW else { return 0 }
        defer { peakKW = kW }
        return (kW - peakKW) * rate
    }
}
