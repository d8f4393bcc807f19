import MantaABI
import MantaIO
import MantaMarket
import MantaModel
import MantaSDK
import MantaText

/// Keeps every site's export limit on its inverters: the config's
/// connection agreements, limits set through the API, and each VPP's
/// negative-price protection. Once a second it brings the sources up to
/// date and sends each site whose most restrictive limit changed, or is due
/// for a refresh, to its inverters, split in proportion to their ratings.
@LoopActor
final class ExportLimitEnforcer {
    /// Host-clock time between refreshes of a limit; each lasts twice this,
    /// so a host that dies leaves the inverters to lapse to their own
    /// settings within two refreshes.
    static let refreshMs: Int64 = 60_000
    /// Sources "feeder:<id>": a site's share of its feeder group's limit.
    static let feederSource = "feeder:"

    private(set) var limits = ExportLimits()
    /// Sites absorbing from the grid at a negative price (a VPP's
    /// negative_price_mode "absorb"), as well as exporting nothing.
    private var absorbingSites: Set<String> = []
    private let sites: SiteChecks
    private let registry: DeviceRegistry
    private let vpps: VPPSet
    private let prices: PriceBook
    private let control: DeviceControl
    private let events: EventLog
    private let clock: HostClock

    init(sites: SiteChecks, registry: DeviceRegistry, vpps: VPPSet, prices: PriceBook, control: DeviceControl,
         events: EventLog, clock: HostClock) {
        self.sites = sites
        self.registry = registry
        self.vpps = vpps
        self.prices = prices
        self.control = control
        self.events = events
        self.clock = clock
    }

    /// Sets (nil: clears) `source`'s limit on `site` and enforces at once.
    func set(_ site: String, source: String, limitW: Double?, untilMs: Int64?, note: String) {
        limits.set(site, source: source, limitW: limitW, untilMs: untilMs, note: note)
        enforce()
    }

    /// One source's limit on one site, as `update` takes them.
    struct Change: Sendable {
        var site: String
        var source: String
        var limitW: Double?
        var untilMs: Int64?
        var note: String
    }

    /// Sets many limits, then enforces once: a feeder's shares or a round of
    /// operating envelopes over thousands of sites.
    func update(_ changes: [Change]) {
        guard !changes.isEmpty else { return }
        for c in changes { limits.set(c.site, source: c.source, limitW: c.limitW, untilMs: c.untilMs, note: c.note) }
        enforce()
    }

    func active(_ site: String) -> [String: ExportLimits.Limit] { limits.active(site, nowMs: clock.nowMs()) }
    func effective(_ site: String) -> (limitW: Double, source: String)? { limits.effective(site, nowMs: clock.nowMs()) }
    /// Sites with a limit from any source.
    var limitedSites: [String] { limits.sites }
    /// Whether `site`'s batteries should also charge from the grid now.
    func absorbing(_ site: String) -> Bool { absorbingSites.contains(site) && effective(site)?.source == "strategy" }

    func enforce() {
        let now = clock.nowMs()
        // The config's limits change only when the devices (and so the sites) do.
        if limits.configuredForDevices != registry.count {
            limits.configuredForDevices = registry.count
            for site in registry.bySite.keys {
                limits.set(site, source: "config", limitW: sites.config(site)?.exportLimitW, note: "connection agreement")
            }
        }
        for v in vpps.all {
            guard let cap = v.config.negativePriceExportLimitW, v.config.status == .active else { continue }
            let end = MarketTime.intervalEnd(containing: now)
            // The interval's price, or just after a boundary the one before;
            // until either is known, the last verdict stands.
            let region = v.config.region.code
            guard let price = (prices.price(region: region, intervalEndMs: end)
                ?? prices.price(region: region, intervalEndMs: end - MarketTime.intervalMs))?.rrp else { continue }
            for site in Set(v.members.compactMap { registry.device(number: $0.number)?.site }) {
                limits.set(site, source: "strategy", limitW: price < 0 ? cap : nil,
                           note: "\(v.config.id): price \(NumberText.rounded(price, 2)) $/MWh")
                if price < 0 && v.config.negativePriceMode == .absorb { absorbingSites.insert(site) } else { absorbingSites.remove(site) }
            }
        }
        for site in Set(limits.sites).union(limits.sent.keys) {
            let eff = limits.effective(site, nowMs: now)
            let last = limits.sent[site]
            guard let eff else {
                if last != nil {
                    limits.sent[site] = nil
                    events.record(.info, source: site, kind: "site.export_limit", "lifted (no source limits the site)", atMs: now)
                }
                continue
            }
            let changed = last?.limitW != eff.limitW || last?.source != eff.source
            guard changed || (last?.untilMs ?? 0) - now < Self.refreshMs else { continue }
            limits.sent[site] = (eff.limitW, eff.source, now + 2 * Self.refreshMs)
            // A feeder's share moves with its sites' exports: an event when
            // it starts or stops binding, not at each move.
            if changed && (last?.source != eff.source || !eff.source.hasPrefix(Self.feederSource)) {
                let all = limits.active(site, nowMs: now).sorted { $0.key < $1.key }
                    .map { "\($0.key) \(NumberText.rounded($0.value.limitW, 0)) W" }.joined(separator: ", ")
                events.record(.info, source: site, kind: "site.export_limit",
                              "\(NumberText.rounded(eff.limitW, 0)) W from \(eff.source) (in force: \(all))", atMs: now)
            }
            // A metered site is held at its meter (MeterExportControl); only
            // an unmetered one caps its inverters at the limit itself.
            if !registry.hasMeter(site: site) { send(site: site, limitW: eff.limitW, source: eff.source) }
        }
    }

    /// Splits `limitW` over the site's inverters by rated power and sends each its share.
    private func send(site: String, limitW: Double, source: String) {
        let inverters = (registry.bySite[site] ?? []).filter {
            $0.enabled && !$0.readOnly && $0.controllable && ($0.kind == .pvInverter || $0.kind == .hybridInverter)
        }
        let ratings = inverters.map { $0.ratings.ratedPowerW.isFinite && $0.ratings.ratedPowerW > 0 ? $0.ratings.ratedPowerW : 1 }
        let total = ratings.reduce(0, +)
        for (d, r) in zip(inverters, ratings) {
            control.send(d, mode: .exportLimit, value: (limitW * r / total).rounded(),
                         validForMs: 2 * Self.refreshMs, source: source) { _ in }
        }
    }
}
