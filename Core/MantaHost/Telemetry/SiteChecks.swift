import MantaMarket
import MantaModel
import MantaText

/// Each site as a topology of power flows from its freshest readings, and
/// once per market interval its energy balance. A mismatch is an event when
/// it is new (and again when it clears), so a site that stays wrong does
/// not flood the log.
@LoopActor
final class SiteChecks {
    private let registry: DeviceRegistry
    private let ingest: TelemetryIngest
    private let catalog: PointCatalog
    private let sites: [HostConfig.Site]
    private let staleAfterMs: Int64
    private let events: EventLog
    private let clock: HostClock
    private var lastInterval: Int64 = 0
    /// Each site's verdict at the last check.
    private(set) var balance: [String: EnergyBalance.Verdict] = [:]

    init(registry: DeviceRegistry, ingest: TelemetryIngest, catalog: PointCatalog, sites: [HostConfig.Site],
         staleAfterMs: Int64, events: EventLog, clock: HostClock) {
        self.registry = registry
        self.ingest = ingest
        self.catalog = catalog
        self.sites = sites
        self.staleAfterMs = staleAfterMs
        self.events = events
        self.clock = clock
    }

    /// The last `sites` entry of the config matching `site`.
    func config(_ site: String) -> HostConfig.Site? { sites.last { $0.matches(site) } }

    /// The topology of `site`, made of `devices` (its enabled ones count).
    func topology(site: String, devices all: [DeviceDescriptor], now: Int64) -> SiteTopology {
        let devices = all.filter(\.enabled)
        let latest = ingest.latest, maxAge = staleAfterMs, catalog = self.catalog
        return SiteTopology.build(site: site, devices: devices, loadsMetered: config(site)?.loadsMetered ?? false) { d, name in
            guard let point = catalog[name] else { return nil }
            return latest.fresh(device: d.number, point: point.id, nowMs: now, maxAgeMs: maxAge)
        }
    }

    /// Checks every site's balance, once per market interval.
    func check() {
        let now = clock.nowMs()
        let interval = now / MarketTime.intervalMs
        guard interval != lastInterval else { return }
        lastInterval = interval
        for (site, devices) in registry.bySite.sorted(by: { $0.key < $1.key }) {
            // Nothing to balance without a grid meter or a hybrid inverter.
            guard devices.contains(where: { $0.kind == .meter || $0.kind == .hybridInverter }) else { continue }
            let b = topology(site: site, devices: devices, now: now).balance
            let was = balance[site]?.status
            balance[site] = b
            if b.status == .mismatch && was != .mismatch {
                events.record(.warning, source: site, kind: "site.balance",
                              "mismatch of \(NumberText.rounded(b.mismatchW, 0)) W: \(b.explanation)", atMs: now)
            } else if b.status == .ok && was == .mismatch {
                events.record(.info, source: site, kind: "site.balance", "balanced again", atMs: now)
            }
        }
    }
}
