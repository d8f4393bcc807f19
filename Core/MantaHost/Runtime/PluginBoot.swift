import MantaIO
import MantaJSON
import MantaMarket
import MantaModel

/// Startup: loading the configured plugin instances and forming the VPPs.
extension HostRuntime {
    /// Loads, creates and starts every enabled instance. A plugin that is
    /// refused is recorded with the reason and the host carries on.
    func bootPlugins() {
        let config = state.config
        let index = ManifestIndex(pluginDirs: config.pluginDirs, libraryDirs: config.libraryDirs)
        for p in index.problems { state.logger.warn("plugins", p) }
        for (i, entry) in config.instances.enumerated() {
            let manifest = index.manifest(id: entry.plugin)
            var record = HostState.InstanceRecord(
                name: entry.name, pluginID: entry.plugin, kind: manifest?.kind, version: manifest?.version ?? "",
                path: "", vendor: manifest?.vendor ?? "", license: manifest?.license ?? "", enabled: entry.enabled)
            state.records.append(record)
            state.instances.append(nil)
            guard entry.enabled else { continue }
            switch load(entry, at: i, manifest: manifest, index: index) {
            case .success(let inst):
                record.path = inst.module.path
                state.instances[i] = inst
                state.logger.info(entry.name, "\(inst.module.id) \(inst.module.manifest.version) \(inst.state.rawValue) (\(inst.module.path))")
            case .failure(let refusal):
                record.refusal = refusal.description
                state.logger.error(entry.name, refusal.description)
                state.events.record("error", source: entry.name, kind: "plugin.refused", refusal.description, atMs: state.now())
            }
            if record.path.isEmpty, let m = manifest, case .success(let path) = index.libraryPath(for: m) { record.path = path }
            state.records[i] = record
            let inst = state.instances[i]
            state.pipeline.add {
                $0.plugins.append(PluginRow(
                    instance: entry.name, pluginID: entry.plugin, version: record.version,
                    kind: record.kind?.rawValue ?? "", path: record.path,
                    state: inst?.state.rawValue ?? "failed", detail: inst?.lastError ?? record.refusal ?? "",
                    loadedMs: WallClock.nowMs()))
            }
        }
    }

    private func load(_ entry: HostConfig.Instance, at i: Int, manifest: Manifest?, index: ManifestIndex)
        -> Result<PluginInstance, PluginRefusal>
    {
        guard let manifest else {
            let dirs = state.config.pluginDirs.joined(separator: ", ")
            return .failure(PluginRefusal(plugin: entry.plugin, path: "-",
                                          reason: "no manifest with id \(entry.plugin) under plugin_dirs [\(dirs)]"))
        }
        let path: String
        switch index.libraryPath(for: manifest) {
        case .success(let p): path = p
        case .failure(let e): return .failure(PluginRefusal(plugin: manifest.id, path: manifest.library, reason: e.description))
        }
        let violations = manifest.configSchema.validate(entry.config)
        guard violations.isEmpty else {
            let list = violations.map { "plugins[\(i)].config.\($0.description)" }.joined(separator: "; ")
            return .failure(PluginRefusal(plugin: manifest.id, path: path, reason: "configuration rejected: \(list)"))
        }
        let configDir = Paths.directory(of: state.config.path)
        let schema = manifest.configSchema
        let config = schema.resolvingPaths(in: schema.applyingDefaults(to: entry.config)) { Paths.resolve($0, against: configDir) }
        let module: LoadedModule
        do { module = try ModuleLoader.load(manifest, path: path) } catch { return .failure(error) }
        let rc = module.acquire()
        guard rc == 0 else {
            return .failure(PluginRefusal(plugin: manifest.id, path: path, reason: "module init() returned \(StatusCode.name(rc))"))
        }
        remember(module)
        let inst = PluginInstance(name: entry.name, index: i, module: module, services: self,
                                  callTimeoutMs: state.config.pluginCallTimeoutMs, hostVersion: HostRuntime.version)
        register(inst, at: i)
        do { try inst.create(config: config) } catch { return .failure(error) }
        if manifest.kind == .driver { registerDevices(inst, at: i) }
        if !inst.start() {
            state.events.record("error", source: entry.name, kind: "plugin.start", inst.lastError, atMs: state.now())
        } else if manifest.kind == .driver {
            // Again after start (driver.h): a driver may only learn what its
            // devices are (identity, ratings) once it has reached them.
            registerDevices(inst, at: i)
        }
        return .success(inst)
    }

    /// Asks a driver for its devices and registers them.
    private func registerDevices(_ inst: PluginInstance, at i: Int) {
        guard let h = inst.handle else { return }
        let module = inst.module
        let answer = inst.worker.sync(timeoutMs: inst.callTimeoutMs) { DriverCalls.describe(module, h.raw) }
        switch answer {
        case .none:
            inst.noteTimeout(hungAfterMs: 0)
            state.events.record("error", source: inst.name, kind: "plugin.devices", "device_info did not return in time", atMs: state.now())
        case .some(.failure(let e)):
            state.events.record("error", source: inst.name, kind: "plugin.devices", e.message, atMs: state.now())
        case .some(.success(let described)):
            let (devices, problems) = state.registry.register(instance: inst.name, instanceIndex: i, described: described,
                                                              overrides: state.config.devices)
            for p in problems {
                state.events.record("warning", source: inst.name, kind: "device.refused", p, atMs: state.now())
            }
            let seen = state.now()
            state.pipeline.add {
                $0.devices += devices
                $0.devicesSeenMs = seen
            }
            state.logger.info(inst.name, "\(devices.count) devices")
        }
    }

    /// Forms the VPPs: checks that each names a market and a strategy of the
    /// right kinds, and picks its members.
    func bootVPPs() throws(BootError) {
        var problems: [String] = []
        for (n, v) in state.config.vpps.enumerated() {
            func instance(_ name: String, _ kind: PluginKind, _ field: String) -> Int? {
                guard let i = state.index(of: name) else { return nil }
                if let k = state.records[i].kind, k != kind {
                    problems.append("vpps[\(n)].\(field): \(name) is a \(k.rawValue), not a \(kind.rawValue)")
                }
                return state.instances[i] == nil ? nil : i
            }
            let market = instance(v.market, .market, "market"), strategy = instance(v.strategy, .strategy, "strategy")
            for (j, d) in v.drivers.enumerated() {
                if let i = state.index(of: d), let k = state.records[i].kind, k != .driver {
                    problems.append("vpps[\(n)].drivers[\(j)]: \(d) is a \(k.rawValue), not a driver")
                }
            }
            let runtime = VPPRuntime(config: v, market: market, strategy: strategy, loop: state.loop)
            if let a = v.arena {
                // The VPP's own strategy is the first champion and always a contender.
                let names = a.contenders.contains(v.strategy) ? a.contenders : [v.strategy] + a.contenders
                var contenders: [(name: String, instance: Int)] = []
                for (j, name) in names.enumerated() {
                    if let i = instance(name, .strategy, "arena.contenders[\(max(0, j - (names.count - a.contenders.count)))]") {
                        contenders.append((name, i))
                    } else {
                        state.events.record("warning", source: v.id, kind: "arena.contender",
                                            "\(name) is not running: it cannot contend", atMs: state.now())
                    }
                }
                if !contenders.isEmpty { runtime.arena = LiveArena(config: a, contenders: contenders, champion: v.strategy) }
            }
            for p in runtime.resolveMembers(state.registry.devices, sites: state.config.sites) {
                state.events.record("warning", source: v.id, kind: "vpp.member", p, atMs: state.now())
            }
            state.vpps.append(runtime)
            state.logger.info(v.id, "\(v.region.code) VPP: \(runtime.members.count) dispatchable assets, market \(v.market), strategy \(v.strategy)")
        }
        guard problems.isEmpty else {
            throw BootError("\(state.config.path): invalid configuration:\n" + problems.map { "  - \($0)" }.joined(separator: "\n"))
        }
    }
}
