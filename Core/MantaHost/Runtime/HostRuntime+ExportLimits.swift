import MantaIO
import MantaMarket
import MantaModel
import MantaSDK

/// Keeping every site's export limit on its inverters.
extension HostRuntime {
    /// Host-clock time between refreshes of a limit; each lasts twice this,
    /// so a host that dies leaves the inverters to lapse to their own
    /// settings within two refreshes.
    static let exportLimitRefreshMs: Int64 = 60_000

    /// [loop] Brings the sources up to date (the config's limits, each VPP's
    /// negative-price protection) and sends each site whose most restrictive
    /// limit changed, or is due for a refresh, to its inverters, split in
    /// proportion to their ratings.
    func enforceExportLimits() {
        let now = state.now(), limits = state.exportLimits
        // The config's limits change only when the devices (and so the sites) do.
        if limits.configuredForDevices != state.registry.count {
            limits.configuredForDevices = state.registry.count
            for site in state.registry.bySite.keys {
                limits.set(site, source: "config", limitW: state.config.site(site)?.exportLimitW, note: "connection agreement")
            }
        }
        for v in state.vpps {
            guard let cap = v.config.negativePriceExportLimitW else { continue }
            let end = MarketTime.intervalEnd(containing: now)
            // The interval's price, or just after a boundary the one before;
            // until either is known, the last verdict stands.
            let region = v.config.region.code
            guard let price = (state.prices.price(region: region, intervalEndMs: end)
                ?? state.prices.price(region: region, intervalEndMs: end - MarketTime.intervalMs))?.rrp else { continue }
            for site in Set(v.members.compactMap { state.registry.device(number: $0)?.site }) {
                limits.set(site, source: "strategy", limitW: price < 0 ? cap : nil,
                           note: "\(v.config.id): price \(NumberText.rounded(price, 2)) $/MWh")
            }
        }
        for site in Set(limits.sites).union(limits.sent.keys) {
            let eff = limits.effective(site, nowMs: now)
            let last = limits.sent[site]
            guard let eff else {
                if last != nil {
                    limits.sent[site] = nil
                    state.events.record("info", source: site, kind: "site.export_limit", "lifted (no source limits the site)", atMs: now)
                }
                continue
            }
            let changed = last?.limitW != eff.limitW || last?.source != eff.source
            guard changed || (last?.untilMs ?? 0) - now < Self.exportLimitRefreshMs else { continue }
            limits.sent[site] = (eff.limitW, eff.source, now + 2 * Self.exportLimitRefreshMs)
            if changed {
                let all = limits.active(site, nowMs: now).sorted { $0.key < $1.key }
                    .map { "\($0.key) \(Int($0.value.limitW)) W" }.joined(separator: ", ")
                state.events.record("info", source: site, kind: "site.export_limit",
                                    "\(Int(eff.limitW)) W from \(eff.source) (in force: \(all))", atMs: now)
            }
            sendExportLimit(site: site, limitW: eff.limitW, source: eff.source)
        }
    }

    /// Splits `limitW` over the site's inverters by rated power and sends each its share.
    private func sendExportLimit(site: String, limitW: Double, source: String) {
        let inverters = (state.registry.bySite[site] ?? []).filter {
            $0.enabled && !$0.readOnly && $0.controllable && ($0.kind == .pvInverter || $0.kind == .hybridInverter)
        }
        let ratings = inverters.map { $0.ratings.ratedPowerW.isFinite && $0.ratings.ratedPowerW > 0 ? $0.ratings.ratedPowerW : 1 }
        let total = ratings.reduce(0, +)
        for (d, r) in zip(inverters, ratings) {
            control(d, mode: MANTA_SETPOINT_EXPORT_LIMIT, value: (limitW * r / total).rounded(),
                    validForMs: 2 * Self.exportLimitRefreshMs, source: source) { _ in }
        }
    }
}
