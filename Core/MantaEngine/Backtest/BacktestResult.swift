import MantaMarket

/// What a backtest came to.
public struct BacktestResult: Sendable {
    /// Settled figures over a day or a month (market time).
    public struct Period: Sendable, Equatable {
        /// Start of the period, UTC ms (market-time midnight).
        public var startMs: Int64
        public var revenueAUD: Double
        public var chargedMWh: Double
        public var dischargedMWh: Double
        public var intervals: Int
    }

    /// Per interval, fleet-wide: the settlement record.
    public struct Series: Sendable {
        public var firstEndMs: Int64
        /// RRP, AUD/MWh; NaN for an interval missing from the data.
        public var price: [Double]
        /// Net power, MW, + = discharge/export.
        public var powerMW: [Double]
        /// Energy in the cells after the interval, MWh.
        public var energyMWh: [Double]
        /// RRP x net energy - throughput cost + FCAS availability, AUD.
        public var revenueAUD: [Double]
        /// Of which FCAS availability, AUD (0 for energy only).
        public var fcasRevenueAUD: [Double] = []

        public func endMs(_ i: Int) -> Int64 { firstEndMs + Int64(i) * MarketTime.intervalMs }
    }

    public var region: Region
    public var strategy: String
    public var fromEndMs: Int64
    public var toEndMs: Int64
    /// Intervals decided, and intervals idled through for lack of a price.
    public var intervals: Int
    public var idleIntervals: Int
    public var revenueAUD: Double
    public var chargedMWh: Double
    public var dischargedMWh: Double
    /// What charging paid and discharging earned, AUD (before throughput cost).
    public var chargeCostAUD: Double
    public var dischargeIncomeAUD: Double
    public var throughputCostAUD: Double
    /// Network and demand charges on the fleet's charging (NetworkTariff),
    /// AUD; in revenueAUD already, taken off.
    public var networkAUD = 0.0
    public var demandAUD = 0.0
    /// Fleet nameplate power (MW) and energy (MWh).
    public var fleetPowerMW: Double
    public var fleetEnergyMWh: Double
    public var days: [Period]
    public var months: [Period]
    public var series: Series
    /// Energy in the cells at the start and the end, MWh. The bound ends
    /// with at least its start; a strategy may end lower, and on a short
    /// run the energy it sold that it never bought can lift it above the bound.
    public var startEnergyMWh: Double
    public var endEnergyMWh: Double { series.energyMWh.last(where: \.isFinite) ?? startEnergyMWh }
    public var strategyErrors: Int
    public var firstStrategyError: String?
    public var gaps: [PriceGap]
    /// FCAS availability revenue per service, AUD, indexed by
    /// FCASService.rawValue (in revenueAUD too); all 0 for energy only.
    public var fcasRevenueAUD: [Double] = [Double](repeating: 0, count: FCASService.allCases.count)
    /// The FCAS services the run traded (priced in the data and asked for).
    public var fcasServices: [FCASService] = []
    /// FCAS enablements a strategy asked for beyond what its battery could
    /// deliver (FCASLimits), and the first of them with its reason.
    public var fcasClamps = 0
    public var firstFCASClamp: String?
    /// The loss breaker the run was given, as it ended (tripped or not).
    public var breaker: LossBreaker?
    /// The site the batteries sit behind, its meter settled with and
    /// without them (Backtest.Input.site); nil without one.
    public var site: SiteResult?

    /// FCAS availability revenue over every service, AUD.
    public var fcasRevenueTotalAUD: Double { fcasRevenueAUD.reduce(0, +) }
    /// Energy revenue after throughput cost, AUD: the total less FCAS.
    public var energyRevenueAUD: Double { revenueAUD - fcasRevenueTotalAUD }

    /// Equivalent full cycles: energy discharged over nameplate energy.
    public var cycles: Double { fleetEnergyMWh > 0 ? dischargedMWh / fleetEnergyMWh : 0 }
    /// AUD/MWh paid for energy charged, and earned for energy discharged.
    public var averageBuyPrice: Double { chargedMWh > 0 ? chargeCostAUD / chargedMWh : .nan }
    public var averageSellPrice: Double { dischargedMWh > 0 ? dischargeIncomeAUD / dischargedMWh : .nan }
    public var revenuePerMW: Double { fleetPowerMW > 0 ? revenueAUD / fleetPowerMW : .nan }
    public var worstDay: Period? { days.min { $0.revenueAUD < $1.revenueAUD } }
    public var bestDay: Period? { days.max { $0.revenueAUD < $1.revenueAUD } }
    public var negativeDays: Int { days.filter { $0.revenueAUD < 0 }.count }

    /// Standard deviation of daily revenue, AUD.
    public var dailyStdDev: Double {
        guard days.count > 1 else { return 0 }
        let mean = days.reduce(0) { $0 + $1.revenueAUD } / Double(days.count)
        return (days.reduce(0) { $0 + ($1.revenueAUD - mean) * ($1.revenueAUD - mean) } / Double(days.count - 1)).squareRoot()
    }

    /// The largest fall of cumulative revenue from a previous high, AUD.
    public var maxDrawdownAUD: Double {
        var peak = 0.0, cumulative = 0.0, worst = 0.0
        for r in series.revenueAUD where r.isFinite {
            cumulative += r
            peak = max(peak, cumulative)
            worst = max(worst, peak - cumulative)
        }
        return worst
    }
}

/// Accumulates a backtest as it runs.
struct Ledger {
    var series: BacktestResult.Series
    var totals = (revenue: 0.0, charged: 0.0, discharged: 0.0, buy: 0.0, sell: 0.0, cost: 0.0, network: 0.0, demand: 0.0)
    var fcas = [Double](repeating: 0, count: FCASService.allCases.count)
    var decided = 0, idle = 0
    var errors = 0
    var firstError: String?
    var days: [BacktestResult.Period] = []
    var months: [BacktestResult.Period] = []
    let fleetPowerMW: Double
    let fleetEnergyMWh: Double
    let startEnergyMWh: Double

    init(firstEndMs: Int64, count: Int, fleet: [BacktestBattery]) {
        let nan = [Double](repeating: .nan, count: count)
        series = BacktestResult.Series(firstEndMs: firstEndMs, price: nan, powerMW: nan, energyMWh: nan, revenueAUD: nan)
        fleetPowerMW = fleet.reduce(0) { $0 + $1.powerMW }
        fleetEnergyMWh = fleet.reduce(0) { $0 + $1.spec.capacityWh / 1e6 }
        startEnergyMWh = fleet.reduce(0) { $0 + $1.initialEnergyWh / 1e6 }
    }

    var clamps = 0
    var firstClamp: String?

    mutating func noteClamp(_ message: String) {
        clamps += 1
        if firstClamp == nil { firstClamp = message }
    }

    mutating func noteError(_ message: String) {
        errors += 1
        if firstError == nil { firstError = message }
    }

    mutating func idle(_ i: Int, energyWh: Double) {
        idle += 1
        series.energyMWh[i] = energyWh / 1e6
    }

    /// Settles interval `i`: energy at `price`, and `fcasAUD` (availability
    /// revenue per service by rawValue; empty for none) on top.
    mutating func settle(_ i: Int, price: Double, netW: Double, chargedWh: Double, dischargedWh: Double,
                         costAUD: Double, energyWh: Double, fcasAUD: [Double] = [], networkAUD: Double = 0,
                         demandAUD: Double = 0) {
        let charged = chargedWh / 1e6, discharged = dischargedWh / 1e6
        var revenue = price * (discharged - charged) - costAUD
        if networkAUD != 0 || demandAUD != 0 {
            revenue -= networkAUD + demandAUD
            totals.network += networkAUD
            totals.demand += demandAUD
        }
        var fcasTotal = 0.0
        for (k, aud) in fcasAUD.enumerated() {
            fcas[k] += aud
            fcasTotal += aud
        }
        revenue += fcasTotal
        if !fcasAUD.isEmpty {
            if series.fcasRevenueAUD.isEmpty { series.fcasRevenueAUD = [Double](repeating: 0, count: series.price.count) }
            series.fcasRevenueAUD[i] = fcasTotal
        }
        series.price[i] = price
        series.powerMW[i] = netW / 1e6
        series.energyMWh[i] = energyWh / 1e6
        series.revenueAUD[i] = revenue
        totals.revenue += revenue
        totals.charged += charged
        totals.discharged += discharged
        totals.buy += price * charged
        totals.sell += price * discharged
        totals.cost += costAUD
        decided += 1
        // An interval belongs to the day and month in which it starts.
        let start = series.endMs(i) - MarketTime.intervalMs
        add(&days, key: MarketTime.dayStart(start), revenue, charged, discharged)
        let c = MarketTime.civil(ms: start)
        add(&months, key: MarketTime.ms(MarketTime.Civil(year: c.year, month: c.month, day: 1)), revenue, charged, discharged)
    }

    private func add(_ periods: inout [BacktestResult.Period], key: Int64, _ r: Double, _ c: Double, _ d: Double) {
        if periods.last?.startMs != key {
            periods.append(BacktestResult.Period(startMs: key, revenueAUD: 0, chargedMWh: 0, dischargedMWh: 0, intervals: 0))
        }
        periods[periods.count - 1].revenueAUD += r
        periods[periods.count - 1].chargedMWh += c
        periods[periods.count - 1].dischargedMWh += d
        periods[periods.count - 1].intervals += 1
    }

    func result(region: Region, strategy: String, gaps: [PriceGap], fcasServices: [FCASService] = []) -> BacktestResult {
        var r = BacktestResult(
            region: region, strategy: strategy, fromEndMs: series.firstEndMs,
            toEndMs: series.endMs(series.price.count - 1), intervals: decided, idleIntervals: idle,
            revenueAUD: totals.revenue, chargedMWh: totals.charged, dischargedMWh: totals.discharged,
            chargeCostAUD: totals.buy, dischargeIncomeAUD: totals.sell, throughputCostAUD: totals.cost,
            fleetPowerMW: fleetPowerMW, fleetEnergyMWh: fleetEnergyMWh, days: days, months: months, series: series,
            startEnergyMWh: startEnergyMWh, strategyErrors: errors, firstStrategyError: firstError, gaps: gaps)
        r.fcasRevenueAUD = fcas
        r.networkAUD = totals.network
        r.demandAUD = totals.demand
        r.fcasServices = fcasServices
        r.fcasClamps = clamps
        r.firstFCASClamp = firstClamp
        return r
    }
}
