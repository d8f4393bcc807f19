/// Every problem of every stage of a config, found before anything starts:
/// the host config's own (already checked when it was read), each plugin
/// instance's manifest and config against the manifest's schema, and the
/// kinds of the instances each VPP names. The boot would meet them one
/// stage at a time; an operator sees them here all at once.
enum ConfigPreflight {
    struct Findings {
        /// Problems that leave an instance refused (the host runs without it).
        var plugins: [String] = []
        /// Problems no host can run with (a VPP naming a wrong kind).
        var fatal: [String] = []
    }

    static func check(_ config: HostConfig) -> Findings {
        var f = Findings()
        let index = ManifestIndex(pluginDirs: config.pluginDirs, libraryDirs: config.libraryDirs)
        var kinds: [String: PluginKind] = [:]
        for (i, entry) in config.instances.enumerated() {
            guard let m = index.manifest(id: entry.plugin) else {
                if entry.enabled {
                    f.plugins.append("plugins[\(i)].plugin: no manifest with id \(entry.plugin) under plugin_dirs [\(config.pluginDirs.joined(separator: ", "))]")
                }
                continue
            }
            kinds[entry.name] = m.kind
            guard entry.enabled else { continue }
            if case .failure(let e) = index.libraryPath(for: m) { f.plugins.append("plugins[\(i)] (\(m.id)): \(e.description)") }
            for v in m.configSchema.validate(entry.config) { f.plugins.append("plugins[\(i)].config.\(v.description)") }
        }
        for (n, v) in config.vpps.enumerated() {
            func expect(_ name: String, _ kind: PluginKind, _ field: String) {
                if let k = kinds[name], k != kind { f.fatal.append("vpps[\(n)].\(field): \(name) is a \(k.rawValue), not a \(kind.rawValue)") }
            }
            expect(v.market, .market, "market")
            expect(v.strategy, .strategy, "strategy")
            for (j, d) in v.drivers.enumerated() { expect(d, .driver, "drivers[\(j)]") }
            for (j, c) in (v.arena?.contenders ?? []).enumerated() { expect(c, .strategy, "arena.contenders[\(j)]") }
        }
        return f
    }
}
