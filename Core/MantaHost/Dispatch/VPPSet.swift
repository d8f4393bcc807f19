import MantaEngine

/// The VPPs of this host: the config's, as the store's runtime changes left
/// them, formed once the plugins have booted, and changed at runtime by
/// VPPEditor. It keeps the fleet's allocation books: a device's shares
/// across VPPs never add up to more than 1.
@LoopActor
final class VPPSet {
    private(set) var all: [VPPRuntime] = []
    /// Devices in two or more VPPs: the shares each VPP holds, by VPP id.
    private(set) var shared: [UInt32: [(vpp: String, allocation: Double)]] = [:]
    /// Shares cut at boot because the definitions together over-allocated
    /// a device (a runtime change that would is refused instead).
    private(set) var trimmed: [(device: UInt32, vpp: String, asked: Double, kept: Double)] = []

    func vpp(_ id: String) -> VPPRuntime? { all.first { $0.config.id == id } }

    /// The running market instance of the first VPP in `region`.
    func marketInstance(region: String, plugins: PluginTable) -> PluginInstance? {
        for v in all where v.config.region.code == region {
            if let i = v.market, let inst = plugins.instance(at: i), inst.state == .started { return inst }
        }
        return nil
    }

    /// Forms the VPPs: the config's, with the store's runtime definitions
    /// (`stored`: id -> definition, nil for deleted) replacing or adding to
    /// them. Members a VPP cannot take are events; a config VPP naming an
    /// instance of the wrong kind is a config error, and every such error
    /// is in the one thrown.
    func form(_ config: HostConfig, stored: [(id: String, vpp: HostConfig.VPP?)], plugins: PluginTable,
              registry: DeviceRegistry, events: EventLog, logger: Logger) throws(BootError) {
        var problems: [String] = []
        var definitions = config.vpps
        for (id, v) in stored {
            definitions.removeAll { $0.id == id }
            if let v { definitions.append(v) }
        }
        for (n, v) in definitions.enumerated() {
            let fromConfig = n < config.vpps.count && config.vpps[n] == v
            let runtime = VPPRuntime(config: v, market: nil, strategy: nil)
            do throws(VPPEditError) {
                try bind(runtime, plugins: plugins)
            } catch {
                // A stored definition naming an instance the config no
                // longer has stays, without dispatch, rather than stopping boot.
                if fromConfig { problems.append("vpps[\(n)].\(error.field): \(error.message)") } else {
                    events.record(.warning, source: v.id, kind: "vpp.definition", "\(error.field): \(error.message)")
                }
            }
            if let a = v.arena {
                runtime.arena = arena(a, vpp: v, plugins: plugins, events: events) { problem in
                    if fromConfig { problems.append("vpps[\(n)].\(problem)") }
                }
            }
            runtime.resolveMembers(registry.devices, sites: config.sites)
            for p in runtime.leftOut { events.record(.warning, source: v.id, kind: "vpp.member", "\(p.device) is \(p.why)") }
            all.append(runtime)
            logger.info(v.id, "\(v.region.code) VPP (\(v.status.rawValue)): \(runtime.members.count) dispatchable assets, market \(v.market), strategy \(v.strategy)")
        }
        guard problems.isEmpty else {
            throw BootError("\(config.path): invalid configuration:\n" + problems.map { "  - \($0)" }.joined(separator: "\n"))
        }
        trimOverAllocation(registry: registry, events: events)
        reindex()
    }

    /// Finds the VPP's market and strategy instances: each must exist and
    /// be of the right kind, and every driver it names must be a driver.
    func bind(_ runtime: VPPRuntime, plugins: PluginTable) throws(VPPEditError) {
        let v = runtime.config
        func instance(_ name: String, _ kind: PluginKind, _ field: String) throws(VPPEditError) -> Int? {
            guard let i = plugins.index(of: name) else { throw VPPEditError(field, "no plugin instance named \(name)") }
            if let k = plugins.record(i)?.kind, k != kind { throw VPPEditError(field, "\(name) is a \(k.rawValue), not a \(kind.rawValue)") }
            return plugins.instance(at: i) == nil ? nil : i
        }
        for (j, d) in v.drivers.enumerated() {
            guard let i = plugins.index(of: d) else { throw VPPEditError("drivers[\(j)]", "no plugin instance named \(d)") }
            if let k = plugins.record(i)?.kind, k != .driver { throw VPPEditError("drivers[\(j)]", "\(d) is a \(k.rawValue), not a driver") }
        }
        runtime.market = try instance(v.market, .market, "market")
        runtime.strategy = try instance(v.strategy, .strategy, "strategy")
    }

    func arena(_ a: HostConfig.Arena, vpp v: HostConfig.VPP, plugins: PluginTable, events: EventLog,
                       problem: (String) -> Void) -> LiveArena? {
        for (j, name) in a.contenders.enumerated() {
            if let i = plugins.index(of: name), let k = plugins.record(i)?.kind, k != .strategy {
                problem("arena.contenders[\(j)]: \(name) is a \(k.rawValue), not a strategy")
            }
        }
        // The VPP's own strategy is the first champion and always a contender.
        let names = a.contenders.contains(v.strategy) ? a.contenders : [v.strategy] + a.contenders
        var contenders: [(name: String, instance: Int)] = []
        for name in names {
            if let i = plugins.index(of: name), plugins.record(i)?.kind == .strategy, plugins.instance(at: i) != nil {
                contenders.append((name, i))
            } else {
                events.record(.warning, source: v.id, kind: "arena.contender", "\(name) is not running: it cannot contend")
            }
        }
        guard !contenders.isEmpty else { return nil }
        let rules = LiveArena.Rules(windowIntervals: a.windowIntervals, hysteresis: a.hysteresis, minTenureIntervals: a.minTenureIntervals)
        return LiveArena(config: rules, contenders: contenders, champion: v.strategy)
    }

    // MARK: the allocation books

    /// Each device's shares across `vpps`.
    static func books(_ vpps: [VPPRuntime]) -> [UInt32: [(vpp: String, allocation: Double)]] {
        var out: [UInt32: [(vpp: String, allocation: Double)]] = [:]
        for v in vpps {
            for m in v.members { out[m.number, default: []].append((v.config.id, m.allocation)) }
        }
        return out
    }

    /// A device's shares add up to at most 1 (with room for rounding).
    static let tolerance = 1e-9

    /// Devices `vpps` together allocate beyond 1, with every share.
    static func overAllocated(_ vpps: [VPPRuntime]) -> [(device: UInt32, shares: [(vpp: String, allocation: Double)])] {
        books(vpps).filter { $0.value.count > 1 && $0.value.reduce(0) { $0 + $1.allocation } > 1 + tolerance }
            .map { ($0.key, $0.value) }.sorted { $0.device < $1.device }
    }

    /// Adds a VPP formed and checked by the editor.
    func insert(_ v: VPPRuntime) {
        all.append(v)
        reindex()
    }

    /// Removes a VPP: its answers in flight are dropped, its timer stops.
    func remove(_ id: String) {
        guard let i = all.firstIndex(where: { $0.config.id == id }) else { return }
        all[i].retired = true
        all[i].deadline.close()
        all.remove(at: i)
        reindex()
    }

    /// Chooses every VPP's members again from the devices now registered (an
    /// edge's devices arrived at a control host), keeping allocations within 1.
    func refreshMembers(registry: DeviceRegistry, sites: [HostConfig.Site], events: EventLog) {
        for v in all { v.resolveMembers(registry.devices, sites: sites) }
        trimOverAllocation(registry: registry, events: events)
        reindex()
    }

    /// Rebuilds the shared-device index after any change of membership.
    func reindex() {
        shared = Self.books(all).filter { $0.value.count > 1 }
    }

    /// At boot, definitions made apart (a config edit, an older store) may
    /// together give a device more than all of it: later VPPs keep what is
    /// left, the cut is an event and vpps.conflicts lists it.
    private func trimOverAllocation(registry: DeviceRegistry, events: EventLog) {
        var used: [UInt32: Double] = [:]
        for v in all {
            v.members = v.members.compactMap { m in
                let left = max(0, 1 - used[m.number, default: 0])
                var kept = m
                if m.allocation > left + Self.tolerance {
                    kept.allocation = left
                    trimmed.append((m.number, v.config.id, m.allocation, left))
                    events.record(.warning, source: v.config.id, kind: "vpp.conflict",
                                  "\(registry.device(number: m.number)?.id ?? "#\(m.number)"): asked \(m.allocation), only \(left) left by other VPPs; kept \(left)")
                }
                used[m.number, default: 0] += kept.allocation
                return kept.allocation > 0 ? kept : nil
            }
        }
    }

    /// Stops every VPP's deadline timer.
    func close() {
        for v in all { v.deadline.close() }
    }
}

/// Why a VPP definition cannot be used: the field and what is wrong.
struct VPPEditError: Error {
    let field: String
    let message: String
    init(_ field: String, _ message: String) {
        self.field = field
        self.message = message
    }
}
