import MantaMarket

/// A network demand charge on a site's import: AUD per kW (or kVA) of the
/// highest 30-minute demand in each month (or day), counting only the half
/// hours that start in the tariff's window, as Australian DNSPs bill it.
public struct DemandTariff: Sendable, Equatable {
    public enum Period: String, Sendable, CaseIterable { case month, day }

    /// The rate, AUD per kW or kVA per period.
    public var rateAUD: Double
    public var period: Period
    /// Charged per kVA when set: the site's kW over this power factor
    /// (0 < pf <= 1; the half-hourly data holds no reactive power).
    public var powerFactor: Double?
    public var window: DailyWindow

    public init(rateAUD: Double, period: Period = .month, powerFactor: Double? = nil, window: DailyWindow = .always) {
        self.rateAUD = rateAUD
        self.period = period
        self.powerFactor = powerFactor
        self.window = window
    }

    /// "kW" or "kVA".
    public var unit: String { powerFactor == nil ? "kW" : "kVA" }

    /// Everything wrong with it, one phrase each naming the field.
    public func problems() -> [String] {
        var out: [String] = []
        if !(rateAUD.isFinite && rateAUD >= 0 && rateAUD <= 10_000) { out.append("rate must be 0 to 10000 AUD (got \(rateAUD))") }
        if let pf = powerFactor, !(pf > 0 && pf <= 1) { out.append("power_factor must be above 0 and at most 1 (got \(pf))") }
        return out
    }

    /// The period (year x 100 + month, or x 100 + day) `ms` falls in.
    func periodKey(_ ms: Int64) -> Int {
        let c = MarketTime.civil(ms: ms)
        return period == .month ? c.year * 100 + c.month : (c.year * 100 + c.month) * 100 + c.day
    }
}

/// One site's demand as a tariff meters it: import averaged over each half
/// hour, the period's peak, and the charge paid as the peak rises (so the
/// period's charges sum to its peak times the rate, and each is final when
/// made).
public struct DemandMeter: Sendable {
    public let tariff: DemandTariff
    /// Each period's peak demand (kW or kVA), in order.
    public private(set) var peaks: [(period: Int, startMs: Int64, demand: Double)] = []
    public private(set) var chargedAUD = 0.0
    private var blockStartMs = Int64.min
    private var blockWh = 0.0

    public init(_ tariff: DemandTariff) { self.tariff = tariff }

    /// Meters one interval's net grid power (W, + import). Returns the
    /// demand charge it adds (AUD): nonzero only at the end of a half hour
    /// in the window whose mean import passes the period's peak.
    public mutating func record(intervalEndMs end: Int64, gridW: Double, hours: Double) -> Double {
        let start = end - MarketTime.intervalMs
        // Market time is UTC+10, so its half hours are UTC's.
        let block = MarketTime.floorDiv(start, 1_800_000) * 1_800_000
        if block != blockStartMs {
            blockStartMs = block
            blockWh = 0
        }
        blockWh += gridW * hours
        guard end - block == 1_800_000, tariff.window.holds(atMs: block) else { return 0 }
        let kW = max(0, blockWh / 0.5) / 1000
        let demand = tariff.powerFactor.map { kW / $0 } ?? kW
        let key = tariff.periodKey(block)
        if peaks.last?.period != key { peaks.append((key, block, 0)) }
        let before = peaks[peaks.count - 1].demand
        guard demand > before else { return 0 }
        peaks[peaks.count - 1].demand = demand
        let aud = (demand - before) * tariff.rateAUD
        chargedAUD += aud
        return aud
    }
}
