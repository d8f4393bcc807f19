import MantaABI
import MantaEngine
import MantaModel

/// A virtual power plant while the host runs: its members and where its
/// dispatch cycle stands.
@LoopActor
final class VPPRuntime {
    /// Its definition: from the config, or as vpps.create/update left it.
    var config: HostConfig.VPP
    /// Instance indices of its market and strategy, when they loaded.
    var market: Int?
    var strategy: Int?
    /// Dispatchable member devices, in fleet-number order, each with the
    /// share of it this VPP holds.
    var members: [Member] = []
    /// Members the last resolve left out, and why (region mismatches).
    var leftOut: [(device: String, why: String)] = []
    /// Deleted: an answer still in flight is dropped.
    var retired = false
    /// End of the last interval decided (or given up on).
    var lastDecidedEnd: Int64 = 0
    /// The operator instruction the last decision followed, if any.
    var following: Int64?
    var inFlight: InFlight?
    var last: Summary?
    /// What it last enabled of FCAS, after the members' limits.
    var fcas: FCASDispatch.Enabled?
    /// MW enabled by service, by interval end, until settlement takes it
    /// (the last few intervals only).
    var fcasEnabled: [Int64: [Double]] = [:]
    /// MW by service its cleared FCAS bids commit it to, by interval end:
    /// enabled in place of what its strategy would choose.
    var fcasCleared: [Int64: [Double]] = [:]
    /// Decide the current interval again at the next check (a bid cleared).
    var redecide = false
    /// Bids of the interval being cleared by the market connector: the
    /// cycle waits for them (a connector answers within its call timeout),
    /// so that the interval is decided once, on what cleared.
    var clearing = 0
    let deadline: LoopTimer
    /// Contenders in shadow beside the fleet, when configured.
    var arena: LiveArena?
    /// The contenders' answers of the interval being decided.
    var round: [Int: Result<Decision, PluginCallError>] = [:]

    /// Instance index of the strategy that dispatches now.
    var dispatching: Int? { arena.map { $0.contenders[$0.champion].instance } ?? strategy }
    var dispatchingName: String { arena?.championName ?? config.strategy }

    /// One member device and the share of it this VPP commands.
    struct Member: Sendable, Equatable {
        var number: UInt32
        /// Share of the device's power and energy, (0, 1].
        var allocation: Double
        /// Lower numbers are called on first when a fleet target is split.
        var priority: Int
    }

    /// A decision being waited for.
    struct InFlight {
        var cycle: Int
        var intervalEndMs: Int64
        var startedNs: UInt64
        var observation: Observation
        /// The members as observed, in the observation's asset order.
        var views: [MemberStates.View]
        /// The operator instruction this decision follows, if any.
        var instruction: FleetInstructions.Instruction?
        /// The interval's price when the decision began (nil: not yet in).
        var price: Price?
    }

    /// What the last interval came to, for logs and vpps.list.
    struct Summary: Sendable {
        var intervalEndMs: Int64
        var price: Double
        var status: DecisionStatus
        var reason: String
        var charging: Int
        var discharging: Int
        var holding: Int
        var targetW: Double
    }

    /// Keeps what an interval enabled for its settlement; a later decision
    /// in the same interval replaces it.
    func noteEnabled(_ e: FCASDispatch.Enabled) {
        fcasEnabled[e.intervalEndMs] = e.mw
        for end in fcasEnabled.keys where end < e.intervalEndMs - 3 * 300_000 { fcasEnabled[end] = nil }
    }

    init(config: HostConfig.VPP, market: Int?, strategy: Int?) {
        self.config = config
        self.market = market
        self.strategy = strategy
        deadline = LoopTimer()
    }

    /// Chooses members from the dispatchable, enabled devices: those a
    /// member entry names (the most specific entry wins: device, then site,
    /// then region, retailer or tag), then those of the named drivers or on
    /// sites matching the patterns, with the VPP's `allocation`. A device on
    /// a site the config places in another region cannot trade in this
    /// VPP's market: it is left out, and `leftOut` says which and why.
    func resolveMembers(_ devices: [DeviceDescriptor], sites: [HostConfig.Site]) {
        var chosen: [Member] = []
        leftOut = []
        let c = config
        // Entries naming one device or one site are looked up; only patterns
        // and groups (at most VPPSchemas.maxGroupEntries) are tried on every device.
        var byDevice: [String: HostConfig.MemberSelector] = [:], bySite: [String: HostConfig.MemberSelector] = [:]
        var groups: [HostConfig.MemberSelector] = []
        for m in c.members {
            if let d = m.device { byDevice[d] = byDevice[d] ?? m }
            else if let s = m.site, !s.hasSuffix("*") { bySite[s] = bySite[s] ?? m }
            else { groups.append(m) }
        }
        for d in devices where d.dispatchable {
            let site = sites.last(where: { $0.matches(d.site) })
            var best = byDevice[d.id] ?? bySite[d.site]
            if best == nil {
                for m in groups where m.matches(deviceID: d.id, site: d.site, siteConfig: site) {
                    if m.rank > (best?.rank ?? 0) { best = m }
                }
            }
            var share = best.map { ($0.allocation, $0.priority) }
            if share == nil {
                let byDriver = c.drivers.contains(d.instance)
                let bySite = c.sites.contains { p in p.hasSuffix("*") ? d.site.hasPrefix(p.dropLast()) : d.site == p }
                if byDriver || bySite { share = (c.allocation, 0) }
            }
            guard let (allocation, priority) = share, allocation > 0 else { continue }
            if let region = site?.region, region != c.region {
                leftOut.append((d.id, "on site \(d.site) in \(region.code), not \(c.region.code): left out"))
                continue
            }
            chosen.append(Member(number: d.number, allocation: allocation, priority: priority))
        }
        members = chosen
    }

    /// The members' device numbers.
    var memberNumbers: [UInt32] { members.map(\.number) }
}
