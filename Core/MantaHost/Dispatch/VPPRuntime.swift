import MantaABI
import MantaEngine
import MantaModel

/// A virtual power plant while the host runs: its members and where its
/// dispatch cycle stands.
@LoopActor
final class VPPRuntime {
    let config: HostConfig.VPP
    /// Instance indices of its market and strategy, when they loaded.
    let market: Int?
    let strategy: Int?
    /// Dispatchable member devices, by fleet number.
    var members: [UInt32] = []
    /// End of the last interval decided (or given up on).
    var lastDecidedEnd: Int64 = 0
    var inFlight: InFlight?
    var last: Summary?
    let deadline: LoopTimer
    /// Contenders in shadow beside the fleet, when configured.
    var arena: LiveArena?
    /// The contenders' answers of the interval being decided.
    var round: [Int: Result<Decision, PluginCallError>] = [:]

    /// Instance index of the strategy that dispatches now.
    var dispatching: Int? { arena.map { $0.contenders[$0.champion].instance } ?? strategy }
    var dispatchingName: String { arena?.championName ?? config.strategy }

    /// A decision being waited for.
    struct InFlight {
        var cycle: Int
        var intervalEndMs: Int64
        var startedNs: UInt64
        var observation: Observation
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

    init(config: HostConfig.VPP, market: Int?, strategy: Int?) {
        self.config = config
        self.market = market
        self.strategy = strategy
        deadline = LoopTimer()
    }

    /// Chooses members: devices of the named drivers and/or on sites
    /// matching the patterns ("home-*") that can take power setpoints and
    /// are enabled. A device on a site the config places in another region
    /// cannot trade in this VPP's market: it is left out, and the returned
    /// lines say which and why.
    func resolveMembers(_ devices: [DeviceDescriptor], sites: [HostConfig.Site]) -> [String] {
        var problems: [String] = []
        members = devices.filter { d in
            guard d.dispatchable else { return false }
            let byDriver = config.drivers.contains(d.instance)
            let bySite = config.sites.contains { p in p.hasSuffix("*") ? d.site.hasPrefix(p.dropLast()) : d.site == p }
            guard byDriver || bySite else { return false }
            if let region = sites.last(where: { $0.matches(d.site) })?.region, region != config.region {
                problems.append("\(d.id) is on site \(d.site) in \(region.code), not \(config.region.code): left out")
                return false
            }
            return true
        }.map(\.number)
        return problems
    }
}
