import MantaABI
import MantaMarket
import MantaModel

/// The Time Machine: a strategy over a price history, for one battery or a
/// fleet, settled interval by interval.
///
/// Each interval the strategy sees what it would see live (the interval's
/// price, the earlier prices, each battery's state of charge and limits);
/// its targets are held to each battery's limits exactly as the host holds
/// them, the batteries move by the shared battery physics, and the interval
/// settles at RRP x energy exported. Same inputs, same outputs: no clock,
/// no randomness.
public enum Backtest {
    public struct Input: Sendable {
        public var prices: PriceFile
        public var fleet: [BacktestBattery]
        /// Earlier prices shown to the strategy each interval.
        public var historyIntervals: Int
        /// Run across missing intervals (the batteries idle through them)
        /// instead of refusing the data.
        public var allowGaps: Bool
        /// The markets settled and co-optimised by the bound.
        public var markets: BacktestMarkets
        /// Holds the fleet for the rest of the run once its trailing loss
        /// passes the limit (the live risk guard's rule); nil: never.
        public var breaker: LossBreaker?
        /// Network and demand charges on each battery's charging; none when nil.
        public var tariff: NetworkTariff?
        /// The site with load the batteries sit behind, its meter settled
        /// with and without them; none when nil.
        public var site: BacktestSite?

        public init(prices: PriceFile, fleet: [BacktestBattery], historyIntervals: Int = 288, allowGaps: Bool = false,
                    markets: BacktestMarkets = .energyAndFCAS) {
            self.prices = prices
            self.fleet = fleet
            self.historyIntervals = historyIntervals
            self.allowGaps = allowGaps
            self.markets = markets
        }

        /// The FCAS services the bound co-optimises: those priced in the
        /// data, when the markets include FCAS.
        public var fcasServices: [FCASService] {
            guard markets == .energyAndFCAS else { return [] }
            return FCASService.allCases.filter { s in prices.points.contains { !$0.fcas[s].isNaN } }
        }
    }

    public struct Refusal: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// The prices on a regular 5-minute grid, NaN where an interval is
    /// missing, and the interval end of the first slot.
    public static func grid(_ prices: PriceFile) -> (firstEndMs: Int64, rrp: [Double]) {
        guard let first = prices.points.first, let last = prices.points.last else { return (0, []) }
        var rrp = [Double](repeating: .nan, count: Int((last.intervalEndMs - first.intervalEndMs) / MarketTime.intervalMs) + 1)
        for p in prices.points { rrp[Int((p.intervalEndMs - first.intervalEndMs) / MarketTime.intervalMs)] = p.rrp }
        return (first.intervalEndMs, rrp)
    }

    /// The FCAS prices on the same grid (no price where an interval is missing).
    public static func fcasGrid(_ prices: PriceFile) -> [FCASPrices] {
        guard let first = prices.points.first, let last = prices.points.last else { return [] }
        var out = [FCASPrices](repeating: FCASPrices(), count: Int((last.intervalEndMs - first.intervalEndMs) / MarketTime.intervalMs) + 1)
        for p in prices.points { out[Int((p.intervalEndMs - first.intervalEndMs) / MarketTime.intervalMs)] = p.fcas }
        return out
    }

    /// Runs `strategy` over the input. `progress` gets the fraction done,
    /// about a hundred times over the run.
    public static func run(_ input: Input, strategy: Strategy, progress: ((Double) -> Void)? = nil) throws(Refusal) -> BacktestResult {
        guard !input.fleet.isEmpty else { throw Refusal(description: "no batteries") }
        for b in input.fleet {
            if let p = b.problems().first { throw Refusal(description: "battery \(b.name): \(p)") }
        }
        if let site = input.site, let p = site.problems().first { throw Refusal(description: "site \(site.name): \(p)") }
        guard !input.prices.points.isEmpty else { throw Refusal(description: "no price intervals in the range") }
        if !input.allowGaps, let g = input.prices.gaps.first {
            throw Refusal(description: "the prices have \(input.prices.gaps.count) gap(s), the first \(g); pass allow_gaps (--allow-gaps) to idle through them")
        }
        let (firstEnd, rrp) = grid(input.prices)
        let dt = Double(MarketTime.intervalMs) / 3_600_000
        var energy = input.fleet.map(\.initialEnergyWh)
        var obs = Observation(
            nowMs: 0, intervalEndMs: 0, intervalMs: MarketTime.intervalMs, deadlineMs: 0, vpp: "backtest",
            region: input.prices.region.code, price: .nan, priceHistory: [],
            assets: input.fleet.map { b in
                AssetState(id: b.name, kind: .battery, soc: b.initialSoc, capacityWh: b.spec.capacityWh,
                          maxChargeW: b.spec.maxChargeW, maxDischargeW: b.spec.maxDischargeW, socMin: b.spec.socMin,
                          socMax: b.spec.socMax, powerW: 0, roundTripEfficiency: b.spec.roundTripEfficiency)
            })
        let limits = input.fleet.map { b in
            AssetLimits(ratings: DeviceRatings(maxChargeW: b.spec.maxChargeW, maxDischargeW: b.spec.maxDischargeW,
                                               capacityWh: b.spec.capacityWh, socMin: b.spec.socMin, socMax: b.spec.socMax,
                                               roundTripEfficiency: b.spec.roundTripEfficiency), soc: nil)
        }
        var targets = [Double](repeating: 0, count: input.fleet.count)
        var ledger = Ledger(firstEndMs: firstEnd, count: rrp.count, fleet: input.fleet)
        let step = max(1, rrp.count / 100)
        // FCAS, where the markets and the prices have it and the strategy trades it.
        let trader = input.fcasServices.isEmpty ? nil : strategy as? FCASTrading
        // Every strategy is shown the interval's FCAS prices where the markets include them.
        let fcas = input.fcasServices.isEmpty ? [] : fcasGrid(input.prices)
        var enablement = FCASEnablement(assets: input.fleet.count)
        var breaker = input.breaker
        var peaks = [DemandPeak](repeating: DemandPeak(), count: input.tariff == nil ? 0 : input.fleet.count)
        var fcasAUD = [Double](repeating: 0, count: trader == nil ? 0 : FCASService.allCases.count)
        var meter = input.site.map(SiteLedger.init)
        var stepLimits = limits
        for i in rrp.indices {
            if let progress, i % step == 0 { progress(Double(i) / Double(rrp.count)) }
            let end = firstEnd + Int64(i) * MarketTime.intervalMs
            let flows = input.site?.flows(intervalEndMs: end)
            guard rrp[i].isFinite else {
                ledger.idle(i, energyWh: energy.reduce(0, +))
                if let flows { _ = meter?.settle(endMs: end, price: .nan, loadW: flows.loadW, pvW: flows.pvW, batteryW: 0, hours: dt) }
                continue
            }
            if let site = input.site, let meter { showSite(site, meter, at: end, to: &obs, fleet: input.fleet, limits: limits, into: &stepLimits) }
            obs.nowMs = end - MarketTime.intervalMs
            obs.intervalEndMs = end
            obs.deadlineMs = end
            obs.price = rrp[i]
            if !fcas.isEmpty { obs.fcas = fcas[i].values }
            obs.priceHistory = rrp[max(0, i - input.historyIntervals)..<i]
            for j in energy.indices { obs.assets[j].soc = energy[j] / input.fleet[j].spec.capacityWh }
            for j in targets.indices { targets[j] = 0 }
            let held = breaker?.tripped == true
            do {
                if !held { _ = try strategy.decide(obs, targets: &targets) }
            } catch {
                ledger.noteError("\(MarketTime.format(end)): \(error)")
                for j in targets.indices { targets[j] = 0 }
            }
            enablement.clear()
            if let trader, !held {
                do {
                    _ = try trader.enable(obs, prices: fcas[i], targets: targets, enablement: &enablement)
                } catch {
                    ledger.noteError("\(MarketTime.format(end)) (FCAS): \(error)")
                    enablement.clear()
                }
            }
            if let site = input.site, let meter, let flows {
                defendCap(site, meter, flows, at: end, fleet: input.fleet, energy: energy, hours: dt, targets: &targets)
            }
            for k in fcasAUD.indices { fcasAUD[k] = 0 }
            var netW = 0.0, chargedWh = 0.0, dischargedWh = 0.0, costAUD = 0.0, energyAUD = 0.0, demandAUD = 0.0
            let month = input.tariff == nil ? 0 : Self.month(ofIntervalEnd: end)
            for j in energy.indices {
                let step = Settlement.step(limits: stepLimits[j], spec: input.fleet[j].spec, energyWh: energy[j],
                                           requestW: targets[j], hours: dt, price: rrp[i])
                let p = step.powerW
                energyAUD += step.revenueAUD
                energy[j] = step.energyWh
                obs.assets[j].powerW = p
                if trader != nil {
                    settleFCAS(&enablement, asset: j, fcas[i], input.fleet[j], step, hours: dt, into: &fcasAUD, ledger: &ledger, at: end)
                }
                netW += p
                if p > 0 {
                    dischargedWh += p * dt
                    costAUD += input.fleet[j].costPerMWh * p * dt / 1e6
                } else {
                    chargedWh -= p * dt
                    if let tariff = input.tariff {
                        demandAUD += peaks[j].charge(kW: -p / 1000, month: month, rate: tariff.demandPerKWMonth)
                    }
                }
            }
            if let flows { _ = meter?.settle(endMs: end, price: rrp[i], loadW: flows.loadW, pvW: flows.pvW, batteryW: netW, hours: dt) }
            ledger.settle(i, price: rrp[i], netW: netW, chargedWh: chargedWh, dischargedWh: dischargedWh,
                          costAUD: costAUD, energyWh: energy.reduce(0, +), fcasAUD: fcasAUD,
                          networkAUD: input.tariff?.networkAUD(chargedWh: chargedWh) ?? 0, demandAUD: demandAUD)
            let charges = (input.tariff?.networkAUD(chargedWh: chargedWh) ?? 0) + demandAUD
            breaker?.record(totalAUD: energyAUD + fcasAUD.reduce(0, +) - costAUD - charges, intervalEndMs: end)
        }
        progress?(1)
        var result = ledger.result(region: input.prices.region, strategy: strategy.name, gaps: input.prices.gaps,
                                   fcasServices: trader == nil ? [] : input.fcasServices)
        result.breaker = breaker
        result.site = meter?.finished()
        return result
    }

    /// Shows every battery its site as the host would at the decision: the
    /// load, PV and meter measured over the interval before (never this
    /// one's), and the import cap in force; ahead of the cap's window the
    /// planned reserve raises their state-of-charge floor (`stepLimits`).
    private static func showSite(_ site: BacktestSite, _ meter: SiteLedger, at end: Int64, to obs: inout Observation,
                                 fleet: [BacktestBattery], limits: [AssetLimits], into stepLimits: inout [AssetLimits]) {
        let start = end - MarketTime.intervalMs
        let last = meter.result.gridW.indices.last
        let cap = site.importCap.flatMap { $0.window.holds(atMs: start) ? $0.limitW : nil }
        let shown = SiteState(id: site.name, loadW: last.map { meter.result.loadW[$0] }, pvW: last.map { meter.result.pvW[$0] },
                              gridW: last.map { -meter.result.gridW[$0] }, importCapW: cap)
        var fraction = 0.0
        if let c = site.importCap, c.window.ahead(atMs: start) {
            let capacity = limits.map(\.ratings.capacityWh).reduce(0, +)
            fraction = capacity > 0 ? min(1, (meter.plannedReserveWh(atMs: start) ?? usableWh(fleet)) / capacity) : 0
        }
        for j in obs.assets.indices {
            obs.assets[j].site = shown
            var l = limits[j]
            if fraction > 0 { l.ratings.socMin = min(l.ratings.socMax, l.ratings.socMin + fraction) }
            stepLimits[j] = l
            obs.assets[j].socMin = l.ratings.socMin
        }
    }

    /// In the cap's window: the targets held by CapDefence, keeping for the
    /// rest of the window its share of the day's planned reserve.
    private static func defendCap(_ site: BacktestSite, _ meter: SiteLedger, _ flows: (loadW: Double, pvW: Double), at end: Int64,
                                  fleet: [BacktestBattery], energy: [Double], hours: Double, targets: inout [Double]) {
        guard let cap = site.importCap, cap.window.holds(atMs: end - MarketTime.intervalMs) else { return }
        let c = MarketTime.civil(ms: end)
        // Hours of the window after this interval.
        let left = Double((cap.window.toMinute - c.hour * 60 - c.minute + 1440) % 1440) / 60
        let reserve = meter.plannedReserveWh(atMs: end - MarketTime.intervalMs) ?? usableWh(fleet)
        CapDefence.hold(&targets, siteNetW: flows.loadW - flows.pvW, limitW: cap.limitW, keepWh: reserve * left / cap.window.hours,
                        specs: fleet.map(\.spec), energyWh: energy, hours: hours)
    }

    /// What the fleet can hold between its state-of-charge bounds, Wh.
    private static func usableWh(_ fleet: [BacktestBattery]) -> Double {
        fleet.map { $0.spec.capacityWh * ($0.spec.socMax - $0.spec.socMin) }.reduce(0, +)
    }

    /// Holds asset `j`'s enablement to what its battery can deliver after the
    /// interval's energy `step`, notes what was cut back, and adds what the
    /// rest earns (MW x price x hours) to `aud`, by service.
    private static func settleFCAS(_ enablement: inout FCASEnablement, asset j: Int, _ prices: FCASPrices,
                                   _ battery: BacktestBattery, _ step: Settlement.Step, hours dt: Double,
                                   into aud: inout [Double], ledger: inout Ledger, at end: Int64) {
        var mw: [FCASService: Double] = [:]
        for s in FCASService.allCases where enablement[j, s] != 0 { mw[s] = enablement[j, s] }
        guard !mw.isEmpty else { return }
        for c in FCASLimits.hold(&mw, prices: prices, spec: battery.spec, powerW: step.powerW, energyWh: step.energyWh) {
            ledger.noteClamp("\(MarketTime.format(end)) \(battery.name): \(c)")
        }
        for (s, v) in mw where v > 0 {
            enablement[j, s] = v
            aud[s.rawValue] += FCASService.availabilityRevenue(mw: v, price: prices[s], hours: dt)
        }
    }

    /// The month (year x 100 + month, market time) an interval starts in.
    public static func month(ofIntervalEnd end: Int64) -> Int {
        let c = MarketTime.civil(ms: end - MarketTime.intervalMs)
        return c.year * 100 + c.month
    }

    /// The fleet's batteries grouped by physics, start and cost.
    static func distinct(_ fleet: [BacktestBattery]) -> [(battery: BacktestBattery, count: Int)] {
        var groups: [(battery: BacktestBattery, count: Int)] = []
        for b in fleet {
            if let i = groups.firstIndex(where: { $0.battery.spec == b.spec && $0.battery.initialSoc == b.initialSoc
                && $0.battery.costPerMWh == b.costPerMWh && $0.battery.trapezia == b.trapezia }) {
                groups[i].count += 1
            } else {
                groups.append((b, 1))
            }
        }
        return groups
    }
}
