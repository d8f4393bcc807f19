import MantaMarket

/// A site with load behind whose meter the backtest's batteries sit: its
/// household load and PV replayed by calendar day, an import cap the
/// batteries defend (the live Cap Service's rule) and the tariff its
/// import is billed on. With a site the backtest settles the meter as a
/// customer on spot pass-through would be billed: every MWh imported
/// costs the interval's RRP plus the network charge, every MWh exported
/// earns the RRP, plus the demand charge; and the same with no battery,
/// for the saving.
public struct BacktestSite: Sendable {
    public var name: String
    public var profile: SiteProfile
    /// Import held at or under `limitW` in `window` by discharging (as the
    /// host's meter control holds it, within the interval), with a reserve
    /// kept ahead of the window on its days.
    public var importCap: (limitW: Double, window: DailyWindow)?
    public var demand: DemandTariff?
    /// AUD per MWh imported (the network's energy charge).
    public var networkPerMWh: Double

    public init(name: String, profile: SiteProfile, importCap: (limitW: Double, window: DailyWindow)? = nil,
                demand: DemandTariff? = nil, networkPerMWh: Double = 0) {
        self.name = name
        self.profile = profile
        self.importCap = importCap
        self.demand = demand
        self.networkPerMWh = networkPerMWh
    }

    /// Load and PV over the interval ending at `end`, W (0 on a day the
    /// file lacks).
    func flows(intervalEndMs end: Int64) -> (loadW: Double, pvW: Double) {
        let c = MarketTime.civil(ms: end - MarketTime.intervalMs)
        return (profile.loadW.halfHourMean(c) ?? 0, profile.pvW.halfHourMean(c) ?? 0)
    }

    /// Everything wrong with it, one phrase each naming the field.
    public func problems() -> [String] {
        var out = demand?.problems().map { "demand tariff: \($0)" } ?? []
        if let cap = importCap, !(cap.limitW.isFinite && cap.limitW >= 0 && cap.limitW <= 1e9) {
            out.append("import cap must be 0 to 1e9 W (got \(cap.limitW))")
        }
        if !(networkPerMWh.isFinite && networkPerMWh >= 0 && networkPerMWh <= 10_000) {
            out.append("network charge must be 0 to 10000 AUD/MWh (got \(networkPerMWh))")
        }
        return out
    }
}

/// What a site's meter came to, with the batteries and without.
public struct SiteResult: Sendable {
    public struct Bill: Sendable, Equatable {
        /// RRP x net import, AUD (exports earn, so it can be negative).
        public var energyAUD = 0.0
        public var networkAUD = 0.0
        public var demandAUD = 0.0
        public var importMWh = 0.0
        public var exportMWh = 0.0
        /// Highest interval import in the cap's window, W, and the
        /// intervals in it whose import passed the cap (by more than 1 W).
        public var peakImportInCapWindowW = 0.0
        public var intervalsOverCap = 0
        public var totalAUD: Double { energyAUD + networkAUD + demandAUD }
    }

    public var name: String
    public var layout: String
    public var withBattery = Bill()
    public var withoutBattery = Bill()
    /// Each period's peak demand with and without the batteries.
    public var demandPeaks: [(startMs: Int64, withBattery: Double, withoutBattery: Double)] = []
    public var demand: DemandTariff?
    public var importCap: (limitW: Double, window: DailyWindow)?
    /// Intervals in the cap's window.
    public var capIntervals = 0
    /// Per interval of the run's series: load, PV and the grid with the
    /// batteries (W, + import).
    public var loadW: [Double] = []
    public var pvW: [Double] = []
    public var gridW: [Double] = []
    public var loadMWh: Double { Self.mwh(loadW) }
    public var pvMWh: Double { Self.mwh(pvW) }

    /// Energy of a series of interval powers (W), MWh.
    private static func mwh(_ w: [Double]) -> Double { w.reduce(0, +) * Double(MarketTime.intervalMs) / 3_600_000 / 1e6 }

    public var savingAUD: Double { withoutBattery.totalAUD - withBattery.totalAUD }
}

/// Settles a site's meter interval by interval, both ways.
struct SiteLedger {
    let site: BacktestSite
    var result: SiteResult
    private var withMeter: DemandMeter?
    private var withoutMeter: DemandMeter?
    /// The energy the site's load net of PV spent above the cap in the
    /// window, by day (market-time midnight): what the reserve is planned on.
    private var aboveCap: (dayMs: Int64, wh: Double) = (.min, 0)
    private var aboveCapYesterday: (dayMs: Int64, wh: Double)?

    init(_ site: BacktestSite) {
        self.site = site
        result = SiteResult(name: site.name, layout: site.profile.layout, demand: site.demand, importCap: site.importCap)
        withMeter = site.demand.map(DemandMeter.init)
        withoutMeter = withMeter
    }

    /// The reserve to keep ahead of the cap's window on the day of `ms`,
    /// Wh, as the host plans it: the energy above the cap in the same window
    /// the day before, plus a fifth (persistence); nil with no such day
    /// yet (the host then keeps everything above soc_min).
    func plannedReserveWh(atMs ms: Int64) -> Double? {
        let today = MarketTime.dayStart(ms)
        if aboveCap.dayMs == today - MarketTime.dayMs { return aboveCap.wh * 1.2 }
        if let y = aboveCapYesterday, y.dayMs == today - MarketTime.dayMs { return y.wh * 1.2 }
        return nil
    }

    /// One interval: the batteries' net power `batteryW` (+ discharge)
    /// behind the meter of a site drawing `loadW` with `pvW` of sun.
    /// Returns the grid power with the batteries (W, + import).
    mutating func settle(endMs end: Int64, price: Double, loadW: Double, pvW: Double, batteryW: Double, hours: Double) -> Double {
        let grid = loadW - pvW - batteryW, bare = loadW - pvW
        let inCap = site.importCap.map { $0.window.holds(atMs: end - MarketTime.intervalMs) } ?? false
        if inCap, let cap = site.importCap {
            result.capIntervals += 1
            let day = MarketTime.dayStart(end - MarketTime.intervalMs)
            if day != aboveCap.dayMs {
                if aboveCap.dayMs != .min { aboveCapYesterday = aboveCap }
                aboveCap = (day, 0)
            }
            aboveCap.wh += max(0, bare - cap.limitW) * hours
        }
        result.loadW.append(loadW)
        result.pvW.append(pvW)
        result.gridW.append(grid)
        bill(&result.withBattery, gridW: grid, price: price, hours: hours, inCap: inCap)
        bill(&result.withoutBattery, gridW: bare, price: price, hours: hours, inCap: inCap)
        result.withBattery.demandAUD += withMeter?.record(intervalEndMs: end, gridW: grid, hours: hours) ?? 0
        result.withoutBattery.demandAUD += withoutMeter?.record(intervalEndMs: end, gridW: bare, hours: hours) ?? 0
        return grid
    }

    private func bill(_ b: inout SiteResult.Bill, gridW: Double, price: Double, hours: Double, inCap: Bool) {
        let mwh = gridW * hours / 1e6
        b.energyAUD += price.isFinite ? price * mwh : 0
        if mwh > 0 {
            b.importMWh += mwh
            b.networkAUD += site.networkPerMWh * mwh
        } else {
            b.exportMWh -= mwh
        }
        if inCap, let cap = site.importCap {
            b.peakImportInCapWindowW = max(b.peakImportInCapWindowW, gridW)
            if gridW > cap.limitW + 1 { b.intervalsOverCap += 1 }
        }
    }

    func finished() -> SiteResult {
        var r = result
        if let a = withMeter, let b = withoutMeter {
            r.demandPeaks = zip(a.peaks, b.peaks).map { ($0.startMs, $0.demand, $1.demand) }
        }
        return r
    }
}
