import MantaEngine

/// The VPPs of this host, formed from the config once the plugins have
/// booted: each names a market and a strategy of the right kinds, and takes
/// its members from the registry.
@LoopActor
final class VPPSet {
    private(set) var all: [VPPRuntime] = []

    func vpp(_ id: String) -> VPPRuntime? { all.first { $0.config.id == id } }

    /// The running market instance of the first VPP in `region`.
    func marketInstance(region: String, plugins: PluginTable) -> PluginInstance? {
        for v in all where v.config.region.code == region {
            if let i = v.market, let inst = plugins.instance(at: i), inst.state == .started { return inst }
        }
        return nil
    }

    /// Forms the configured VPPs. Members a VPP cannot take are events;
    /// a VPP naming an instance of the wrong kind is a config error, and
    /// every such error is in the one thrown.
    func form(_ config: HostConfig, plugins: PluginTable, registry: DeviceRegistry, events: EventLog, logger: Logger)
        throws(BootError)
    {
        var problems: [String] = []
        for (n, v) in config.vpps.enumerated() {
            func instance(_ name: String, _ kind: PluginKind, _ field: String) -> Int? {
                guard let i = plugins.index(of: name) else { return nil }
                if let k = plugins.record(i)?.kind, k != kind {
                    problems.append("vpps[\(n)].\(field): \(name) is a \(k.rawValue), not a \(kind.rawValue)")
                }
                return plugins.instance(at: i) == nil ? nil : i
            }
            let market = instance(v.market, .market, "market"), strategy = instance(v.strategy, .strategy, "strategy")
            for (j, d) in v.drivers.enumerated() {
                if let i = plugins.index(of: d), let k = plugins.record(i)?.kind, k != .driver {
                    problems.append("vpps[\(n)].drivers[\(j)]: \(d) is a \(k.rawValue), not a driver")
                }
            }
            let runtime = VPPRuntime(config: v, market: market, strategy: strategy)
            if let a = v.arena {
                // The VPP's own strategy is the first champion and always a contender.
                let names = a.contenders.contains(v.strategy) ? a.contenders : [v.strategy] + a.contenders
                var contenders: [(name: String, instance: Int)] = []
                for (j, name) in names.enumerated() {
                    if let i = instance(name, .strategy, "arena.contenders[\(max(0, j - (names.count - a.contenders.count)))]") {
                        contenders.append((name, i))
                    } else {
                        events.record(.warning, source: v.id, kind: "arena.contender", "\(name) is not running: it cannot contend")
                    }
                }
                if !contenders.isEmpty {
                    let rules = LiveArena.Rules(windowIntervals: a.windowIntervals, hysteresis: a.hysteresis,
                                                minTenureIntervals: a.minTenureIntervals)
                    runtime.arena = LiveArena(config: rules, contenders: contenders, champion: v.strategy)
                }
            }
            for p in runtime.resolveMembers(registry.devices, sites: config.sites) {
                events.record(.warning, source: v.id, kind: "vpp.member", p)
            }
            all.append(runtime)
            logger.info(v.id, "\(v.region.code) VPP: \(runtime.members.count) dispatchable assets, market \(v.market), strategy \(v.strategy)")
        }
        guard problems.isEmpty else {
            throw BootError("\(config.path): invalid configuration:\n" + problems.map { "  - \($0)" }.joined(separator: "\n"))
        }
    }

    /// Stops every VPP's deadline timer.
    func close() {
        for v in all { v.deadline.close() }
    }
}
