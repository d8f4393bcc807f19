import MantaEngine
import MantaJSON
import MantaMarket
import MantaModel
import MantaText

/// The network operator's limits beyond one connection's: operating
/// envelopes (window by window, for a site or a feeder group) and feeder
/// groups' export limits, shared over their sites by FeederShare. Every
/// step it turns them into per-site limits (sources "envelope" and
/// "feeder:<id>") on the ExportLimitEnforcer, where the most restrictive
/// of all sources is held: at the meter where there is one, else at the
/// inverters.
@LoopActor
final class NetworkLimits: PeriodicStep {
    struct FeederState {
        /// The group's limit in force and where it comes from (config, envelope).
        var limitW: Double?
        var source: String?
        /// Each site's share sent, and its export at the last step.
        var shares: [String: Double] = [:]
        var exportW: [String: Double] = [:]
    }

    private(set) var envelopes = OperatingEnvelopes()
    let feeders: [HostConfig.Feeder]
    private(set) var feederStates: [String: FeederState] = [:]
    private let registry: DeviceRegistry
    private let members: MemberStates
    private let limits: ExportLimitEnforcer
    private let events: EventLog
    private let store: StorePipeline
    private let clock: HostClock
    var timer: LoopTimer?
    /// Sites with an envelope limit sent, to clear when its window ends.
    private var enveloped: Set<String> = []
    /// Each feeder's sites, found again when devices register.
    private var feederSites: [String: [String]] = [:]
    private var sitesForDevices = -1

    var stepClock: HostClock { clock }
    var stepHostMs: Int64 { MeterExportControl.stepMs }

    init(feeders: [HostConfig.Feeder], registry: DeviceRegistry, members: MemberStates, limits: ExportLimitEnforcer,
         events: EventLog, store: StorePipeline, clock: HostClock) {
        self.feeders = feeders
        self.registry = registry
        self.members = members
        self.limits = limits
        self.events = events
        self.store = store
        self.clock = clock
    }

    /// Whether `target` ("site:ID", "feeder:ID") names a site with devices or a configured feeder.
    func exists(_ target: String) -> Bool {
        if target.hasPrefix("site:") { return registry.bySite[String(target.dropFirst(5))] != nil }
        return target.hasPrefix("feeder:") && feeders.contains { "feeder:\($0.id)" == target }
    }

    /// The schedules the store kept; one that no longer reads, or names a
    /// site or feeder gone, is an event and skipped.
    func restore(_ rows: [(target: String, definition: String)]) {
        for (target, text) in rows {
            guard exists(target), let json = try? JSON.parse(text), let windows = OperatingEnvelopes.windows(json),
                  envelopes.total + windows.count <= OperatingEnvelopes.maxTotal else {
                events.record(.warning, source: "host", kind: "envelope.restore", "\(target): stored operating envelope not restored")
                continue
            }
            envelopes.set(target, windows)
        }
    }

    /// Replaces `target`'s schedule, stores it for the next run and applies it at once.
    func set(_ target: String, _ windows: [OperatingEnvelopes.Window]) {
        envelopes.set(target, windows)
        let row = (target: target, definition: windows.isEmpty ? nil : OperatingEnvelopes.json(windows).serialized())
        store.add { $0.envelopes.append(row) }
        step()
    }

    func step() {
        let now = clock.nowMs()
        var changes: [ExportLimitEnforcer.Change] = []
        for target in envelopes.prune(endedBy: now) {
            store.add { $0.envelopes.append((target: target, definition: nil)) }
        }
        // Sites' own envelopes.
        var stillEnveloped: Set<String> = []
        for target in envelopes.schedules.keys where target.hasPrefix("site:") {
            guard let w = envelopes.inForce(target, atMs: now) else { continue }
            let site = String(target.dropFirst(5))
            stillEnveloped.insert(site)
            changes.append(.init(site: site, source: "envelope", limitW: w.exportLimitW, untilMs: w.endMs,
                                 note: "operating envelope until \(MarketTime.format(w.endMs))"))
        }
        for site in enveloped.subtracting(stillEnveloped) {
            changes.append(.init(site: site, source: "envelope", limitW: nil, note: ""))
        }
        enveloped = stillEnveloped
        // Feeder groups: the lower of the config's limit and an envelope's.
        if sitesForDevices != registry.count {
            sitesForDevices = registry.count
            let all = registry.bySite.keys.sorted()
            for f in feeders { feederSites[f.id] = all.filter(f.covers) }
        }
        for f in feeders { changes += share(f, now: now) }
        limits.update(changes)
    }

    /// The feeder's limit in force now, split over its sites.
    private func share(_ f: HostConfig.Feeder, now: Int64) -> [ExportLimitEnforcer.Change] {
        let source = "\(ExportLimitEnforcer.feederSource)\(f.id)"
        var state = feederStates[f.id] ?? FeederState()
        let envelope = envelopes.inForce("feeder:\(f.id)", atMs: now)?.exportLimitW
        let limit = [f.exportLimitW, envelope].compactMap { $0 }.min()
        state.limitW = limit
        state.source = limit == nil ? nil : (envelope == limit ? "envelope" : "config")
        let sites = feederSites[f.id] ?? []
        state.exportW = [:]
        for site in sites { if let e = exportW(site, now: now) { state.exportW[site] = e } }
        guard let limit else {
            let cleared = state.shares.keys.map { ExportLimitEnforcer.Change(site: $0, source: source, limitW: nil, note: "") }
            state.shares = [:]
            feederStates[f.id] = state
            return cleared
        }
        let split = FeederShare.split(limitW: limit, sites.map { .init(exportW: state.exportW[$0], shareW: state.shares[$0]) })
        var changes: [ExportLimitEnforcer.Change] = []
        for (site, next) in zip(sites, split) {
            let share = FeederShare.settled(previous: state.shares[site], next: next)
            guard share != state.shares[site] else { continue }
            state.shares[site] = share
            changes.append(.init(site: site, source: source, limitW: share, untilMs: nil,
                                 note: "feeder \(f.id): share of \(NumberText.rounded(limit, 0)) W over \(sites.count) sites"))
        }
        feederStates[f.id] = state
        return changes
    }

    /// What `site` exports now, W: its meter's reading, or without a meter
    /// what its inverters and batteries put out (the most it can export).
    private func exportW(_ site: String, now: Int64) -> Double? {
        let devices = registry.bySite[site] ?? []
        let f = members.siteFlows(devices, nowMs: now)
        if devices.contains(where: { $0.kind == .meter }) { return f.gridW }
        return f.pvW == nil && f.storageW == nil ? nil : (f.pvW ?? 0) + (f.storageW ?? 0)
    }

    /// The sites of feeder `id`.
    func sites(ofFeeder id: String) -> [String] { feederSites[id] ?? [] }
}
