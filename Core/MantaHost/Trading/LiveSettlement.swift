import MantaABI
import MantaEngine
import MantaMarket
import MantaModel

/// Settles the live fleet, interval by interval, from what was metered and
/// the market's prices: the same `Settlement.interval` step the backtester
/// uses, on each VPP's share of its members' metered energy and on the FCAS
/// it enabled.
///
/// An interval is closed `settle_after_ms` after its end (late readings of
/// it still count until then), then settled as soon as its region's price
/// is in. A price the market revises afterwards (a newer firm price for the
/// interval) settles it again as the next revision, with the old and new
/// price in its reason; reports read the latest revision. Every row goes to
/// the store's `settlements` table.
@LoopActor
final class LiveSettlement {
    /// One VPP's interval, metered and waiting for its price or settled.
    struct Metered {
        var region: String
        var strategy: String
        var members: Int
        var metered: Int
        var coverage: Double
        var energyWh: Double
        var dischargedWh: Double
        var fcasMW: [Double]
        /// Each metered member's part (the VPP's allocation of it).
        var parts: [Part] = []
        /// Demand charges the interval raised (the sum of its parts').
        var demandAUD = 0.0
    }

    struct Part {
        var device: UInt32
        var site: String
        var energyWh: Double
        var dischargedWh: Double
        var demandAUD = 0.0
    }

    /// What the trading section sets: throughput cost, network and demand charges.
    struct Rates {
        var costPerMWh = 0.0
        var tariff = NetworkTariff()
    }

    private let meter: EnergyMeter
    private let registry: DeviceRegistry
    private let vpps: VPPSet
    private let prices: PriceBook
    private let store: StorePipeline
    private let events: EventLog
    private let clock: HostClock
    private let settleAfterMs: Int64
    private let rates: Rates
    /// Each VPP's members' peak charging kW this month (month "YYYY-MM"):
    /// the demand charge is paid as the peak rises, so a month's sum is
    /// its peak's charge.
    private var peaks: [String: [UInt32: DemandPeak]] = [:]
    private var timer: LoopTimer?
    /// The next interval end to close.
    private var nextEnd: Int64 = 0
    /// Closed but not yet priced, by VPP and interval end.
    private var waiting: [String: [Int64: Metered]] = [:]
    /// Settled, by VPP and interval end: kept a day for revisions and the guard.
    private var settled: [String: [Int64: (metered: Metered, row: SettlementRow)]] = [:]
    /// Told of every settled row (the bid book, the risk guard).
    var onSettled: [(SettlementRow) -> Void] = []
    /// Intervals kept: a day waiting for a price, a day settled.
    static let kept = 288

    init(meter: EnergyMeter, registry: DeviceRegistry, vpps: VPPSet, prices: PriceBook, store: StorePipeline, events: EventLog, clock: HostClock,
         settleAfterMs: Int64, rates: Rates) {
        self.meter = meter
        self.registry = registry
        self.vpps = vpps
        self.prices = prices
        self.store = store
        self.events = events
        self.clock = clock
        self.settleAfterMs = settleAfterMs
        self.rates = rates
    }

    /// Starts closing intervals (from the one containing now), checking as
    /// often as the dispatch cycle.
    func start() {
        begin(atMs: clock.nowMs())
        let period = UInt64(min(1000, max(10, clock.wallMs(forHostMs: MarketTime.intervalMs) / 20)))
        let t = LoopTimer()
        t.schedule(afterMs: period, repeatMs: period) { [unowned self] in check(nowMs: clock.nowMs()) }
        timer = t
    }

    /// Settles from the interval containing `ms` on (what ended before the
    /// host started is not its to settle).
    func begin(atMs ms: Int64) {
        nextEnd = MarketTime.intervalEnd(containing: ms)
    }

    func stop() {
        timer?.close()
        timer = nil
    }

    /// Closes what is due at host time `now` and settles what is priced.
    func check(nowMs now: Int64) {
        // Bounded: after a long stall only the last day is closed.
        nextEnd = max(nextEnd, MarketTime.intervalEnd(containing: now) - Int64(Self.kept) * MarketTime.intervalMs)
        while nextEnd + settleAfterMs <= now {
            close(nextEnd)
            nextEnd += MarketTime.intervalMs
        }
        for (vpp, byEnd) in waiting {
            for end in byEnd.keys.sorted() { settle(vpp: vpp, end: end, reason: "") }
        }
    }

    /// Prices were filed: a revised price settles its interval again.
    func pricesFiled(_ filed: [Price]) {
        for p in filed {
            for (vpp, byEnd) in settled {
                guard let s = byEnd[p.intervalEndMs], s.row.region == p.region else { continue }
                guard p.rrp != s.row.rrp || !Self.sameFCAS(p.fcas, s.metered.fcasMW, s.row) else { continue }
                resettle(vpp: vpp, end: p.intervalEndMs, price: p,
                         reason: "price revised: RRP \(s.row.rrp) -> \(p.rrp)\(p.firm ? " (firm)" : "")")
            }
        }
        check(nowMs: clock.nowMs())
    }

    // MARK: closing and settling

    private func close(_ end: Int64) {
        let readings = meter.close(intervalEndingAt: end)
        for vpp in vpps.all where vpp.config.status == .active && !vpp.retired {
            var m = Metered(region: vpp.config.region.code, strategy: vpp.dispatchingName, members: vpp.members.count,
                            metered: 0, coverage: 0, energyWh: 0, dischargedWh: 0,
                            fcasMW: vpp.fcasEnabled.removeValue(forKey: end) ?? [])
            var coveredMs = 0.0
            let all = registry.devices
            for member in vpp.members {
                guard let r = readings[member.number] else { continue }
                m.metered += 1
                var part = Part(device: member.number, site: registry.slot(number: member.number).map { all[$0].site } ?? "",
                                energyWh: r.energyWh * member.allocation, dischargedWh: r.dischargedWh * member.allocation)
                part.demandAUD = demandCharge(vpp: vpp.config.id, part, end: end)
                m.demandAUD += part.demandAUD
                m.energyWh += part.energyWh
                m.dischargedWh += part.dischargedWh
                m.parts.append(part)
                coveredMs += Double(r.coveredMs)
            }
            m.coverage = m.members == 0 ? 0 : coveredMs / (Double(m.members) * Double(MarketTime.intervalMs))
            waiting[vpp.config.id, default: [:]][end] = m
            if let stale = waiting[vpp.config.id]?.keys.min(), stale <= end - Int64(Self.kept) * MarketTime.intervalMs {
                waiting[vpp.config.id]?[stale] = nil
                events.record(.warning, source: vpp.config.id, kind: "settlement.unpriced",
                              "\(MarketTime.format(stale)): no price arrived within a day; not settled", atMs: clock.nowMs())
            }
        }
    }

    /// What a member's part raised its VPP's demand charge by: its average
    /// charging kW over the interval past the month's peak so far, at the rate.
    private func demandCharge(vpp: String, _ p: Part, end: Int64) -> Double {
        guard rates.tariff.demandPerKWMonth > 0 else { return 0 }
        let hours = Double(MarketTime.intervalMs) / 3_600_000
        let kW = max(0, p.dischargedWh - p.energyWh) / hours / 1000
        return peaks[vpp, default: [:]][p.device, default: DemandPeak()].charge(kW: kW, month: Backtest.month(ofIntervalEnd: end),
                                                                               rate: rates.tariff.demandPerKWMonth)
    }

    private func settle(vpp: String, end: Int64, reason: String) {
        guard let m = waiting[vpp]?[end], let price = prices.price(region: m.region, intervalEndMs: end) else { return }
        waiting[vpp]?[end] = nil
        file(vpp: vpp, end: end, m, price: price, revision: 0, reason: reason)
    }

    private func resettle(vpp: String, end: Int64, price: Price, reason: String) {
        guard let s = settled[vpp]?[end] else { return }
        file(vpp: vpp, end: end, s.metered, price: price, revision: s.row.revision + 1, reason: reason)
        events.record(.info, source: vpp, kind: "settlement.revised", "\(MarketTime.format(end)): \(reason)", atMs: clock.nowMs())
    }

    private func file(vpp: String, end: Int64, _ m: Metered, price: Price, revision: Int, reason: String) {
        let hours = Double(MarketTime.intervalMs) / 3_600_000
        let money = Settlement.interval(energyWh: m.energyWh, dischargedWh: m.dischargedWh, hours: hours, rrp: price.rrp,
                                        enabledMW: m.fcasMW, fcasPrices: price.fcas, costPerMWh: rates.costPerMWh,
                                        tariff: rates.tariff, demandAUD: m.demandAUD)
        let row = SettlementRow(
            vpp: vpp, intervalEndMs: end, revision: revision, region: m.region, strategy: m.strategy, rrp: price.rrp,
            firm: price.firm, members: m.members, metered: m.metered, coverage: m.coverage, energyWh: m.energyWh,
            dischargedWh: m.dischargedWh, fcasMW: m.fcasMW, energyAUD: money.energyAUD, fcasAUD: money.fcasAUD,
            costAUD: money.costAUD, networkAUD: money.networkAUD, demandAUD: money.demandAUD, reason: reason,
            settledMs: clock.nowMs())
        settled[vpp, default: [:]][end] = (m, row)
        if let oldest = settled[vpp]?.keys.min(), settled[vpp]!.count > Self.kept { settled[vpp]?[oldest] = nil }
        let parts = m.parts.map { p in
            DeviceSettlementRow(vpp: vpp, intervalEndMs: end, device: p.device, site: p.site, energyWh: p.energyWh,
                                dischargedWh: p.dischargedWh,
                                energyAUD: Settlement.energyAUD(price: price.rrp, powerW: p.energyWh / hours, hours: hours),
                                costAUD: rates.costPerMWh * p.dischargedWh / 1e6,
                                networkAUD: rates.tariff.networkAUD(chargedWh: p.dischargedWh - p.energyWh),
                                demandAUD: p.demandAUD, revision: revision)
        }
        store.add {
            $0.trading.settlements.append(row)
            $0.trading.devices += parts
        }
        for f in onSettled { f(row) }
    }

    /// True when `fcas` (a price's) holds what the row was settled at for
    /// every service the VPP enabled.
    private static func sameFCAS(_ fcas: [Double], _ enabledMW: [Double], _ row: SettlementRow) -> Bool {
        let hours = Double(MarketTime.intervalMs) / 3_600_000
        for (k, mw) in enabledMW.enumerated() where mw > 0 && k < row.fcasAUD.count {
            let now = k < fcas.count && fcas[k].isFinite ? FCASService.availabilityRevenue(mw: mw, price: fcas[k], hours: hours) : 0
            if now != row.fcasAUD[k] { return false }
        }
        return true
    }
}
