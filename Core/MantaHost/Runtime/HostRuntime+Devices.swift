import MantaMarket
import MantaModel

/// Device health and site diagnostics, checked by the loop's housekeeping.
extension HostRuntime {
    /// [loop] Re-judges every device; each change is an event, except that a
    /// driver's whole fleet changing at once is one event, not thousands.
    func checkDevices() {
        let now = state.now()
        let changes = state.health.update(state.registry.devices, latest: state.ingest.latest, startedMs: state.startedMs, nowMs: now)
        var groups: [String: [DeviceHealth.Change]] = [:]
        for c in changes { groups["\(c.device.instance)\u{0}\(c.to.rawValue)", default: []].append(c) }
        for key in groups.keys.sorted() {
            let list = groups[key]!
            let to = list[0].to
            let severity = to == .online ? "info" : "warning"
            if list.count <= 10 {
                for c in list {
                    state.events.record(severity, source: c.device.id, kind: "device.\(to.rawValue)",
                                        "\(c.from.rawValue) -> \(to.rawValue)\(c.reason.isEmpty ? "" : ": \(c.reason)")", atMs: now)
                }
            } else {
                let first = list.prefix(3).map(\.device.id).joined(separator: ", ")
                state.events.record(severity, source: list[0].device.instance, kind: "device.\(to.rawValue)",
                                    "\(list.count) devices are now \(to.rawValue) (\(first), ...)"
                                        + (list[0].reason.isEmpty ? "" : ": \(list[0].reason)"), atMs: now)
            }
        }
        checkSites(now: now)
    }
}

extension HostRuntime {
    /// [loop] The topology of `site`, made of `devices` (its enabled ones count), from the freshest readings.
    func topology(site: String, devices all: [DeviceDescriptor], now: Int64) -> SiteTopology {
        let devices = all.filter(\.enabled)
        let latest = state.ingest.latest, maxAge = state.config.staleAfterMs, catalog = state.catalog
        return SiteTopology.build(site: site, devices: devices, loadsMetered: state.config.site(site)?.loadsMetered ?? false) { d, name in
            guard let point = catalog[name] else { return nil }
            return latest.fresh(device: d.number, point: point.id, nowMs: now, maxAgeMs: maxAge)
        }
    }

    /// [loop] Once per market interval, every site's energy balance. A
    /// mismatch is an event when it is new (and again when it clears), so a
    /// site that stays wrong does not flood the log.
    func checkSites(now: Int64) {
        let interval = now / MarketTime.intervalMs
        guard interval != lastBalanceInterval else { return }
        lastBalanceInterval = interval
        let bySite = state.registry.bySite
        for site in bySite.keys.sorted() {
            let devices = bySite[site]!
            // Nothing to balance without a grid meter or a hybrid inverter.
            guard devices.contains(where: { $0.kind == .meter || $0.kind == .hybridInverter }) else { continue }
            let b = topology(site: site, devices: devices, now: now).balance
            let was = siteBalance[site]?.status
            siteBalance[site] = b
            if b.status == .mismatch && was != .mismatch {
                state.events.record("warning", source: site, kind: "site.balance",
                                    "mismatch of \(Int(b.mismatchW.rounded())) W: \(b.explanation)", atMs: now)
            } else if b.status == .ok && was == .mismatch {
                state.events.record("info", source: site, kind: "site.balance", "balanced again", atMs: now)
            }
        }
    }
}
