import MantaABI
import MantaIO
import MantaJSON
import MantaModel

/// Startup of the configured plugin instances, on a host control thread
/// (the SDK's [host]): load, validate the config, create, describe devices,
/// start. Plugin calls are waited for here, never on the loop; what the loop
/// must know (devices, refusals) is handed to it as each step completes.
///
/// A plugin that is refused is recorded with the reason and the host
/// carries on without it.
struct PluginBoot: Sendable {
    let config: HostConfig
    let plugins: PluginTable
    let services: PluginCallbacks
    let enrolment: DeviceEnrolment
    let store: StorePipeline
    let events: EventLog
    let logger: Logger
    let hostVersion: String

    /// [host] Loads, creates and starts every enabled instance.
    func bootAll() {
        let index = ManifestIndex(pluginDirs: config.pluginDirs, libraryDirs: config.libraryDirs)
        for p in index.problems { logger.warn("plugins", p) }
        for (i, entry) in config.instances.enumerated() {
            let manifest = index.manifest(id: entry.plugin)
            var record = InstanceRecord(
                name: entry.name, pluginID: entry.plugin, kind: manifest?.kind, version: manifest?.version ?? "",
                path: "", vendor: manifest?.vendor ?? "", license: manifest?.license ?? "", enabled: entry.enabled)
            let slot = plugins.append(record)
            precondition(slot == i, "plugin slots follow the config")
            guard entry.enabled else { continue }
            switch load(entry, at: i, manifest: manifest, index: index) {
            case .success(let inst):
                record.path = inst.module.path
                record.config = inst.createdWith
                logger.info(entry.name, "\(inst.module.id) \(inst.module.manifest.version) \(inst.state.rawValue) (\(inst.module.path))")
            case .failure(let refusal):
                record.refusal = refusal.description
                logger.error(entry.name, refusal.description)
                onLoop { events in events.record(.error, source: entry.name, kind: "plugin.refused", refusal.description) }
            }
            if record.path.isEmpty, let m = manifest, case .success(let path) = index.libraryPath(for: m) { record.path = path }
            plugins.update(i, record: record)
            let inst = plugins.instance(at: i), final = record
            let row = PluginRow(instance: entry.name, pluginID: entry.plugin, version: final.version,
                                kind: final.kind?.rawValue ?? "", path: final.path,
                                state: inst?.state.rawValue ?? "failed", detail: inst?.lastError ?? final.refusal ?? "",
                                loadedMs: WallClock.nowMs())
            let store = self.store
            EventLoop.shared.sync { store.add { $0.plugins.append(row) } }
        }
    }

    /// Runs `body` with the event log on the loop, and waits for it.
    private func onLoop(_ body: @escaping @LoopActor @Sendable (EventLog) -> Void) {
        let events = self.events
        EventLoop.shared.sync { body(events) }
    }

    private func load(_ entry: HostConfig.Instance, at i: Int, manifest: Manifest?, index: ManifestIndex)
        -> Result<PluginInstance, PluginRefusal>
    {
        guard let manifest else {
            let dirs = config.pluginDirs.joined(separator: ", ")
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
        let configDir = Paths.directory(of: config.path)
        let schema = manifest.configSchema
        let filled = schema.resolvingPaths(in: schema.applyingDefaults(to: entry.config)) { Paths.resolve($0, against: configDir) }
        let isolated = (entry.isolation ?? Self.defaultIsolation(for: manifest)) == .process
        let module: LoadedModule
        if isolated {
            // Not loaded here: the runner loads (and checks) it.
            module = LoadedModule(standInFor: manifest, path: path)
        } else {
            do { module = try ModuleLoader.load(manifest, path: path) } catch { return .failure(error) }
            let rc = module.acquire()
            guard rc == 0 else {
                return .failure(PluginRefusal(plugin: manifest.id, path: path, reason: "module init() returned \(StatusCode.name(rc))"))
            }
            plugins.remember(module)
        }
        let inst = PluginInstance(name: entry.name, index: i, module: module, services: services,
                                  callTimeoutMs: config.pluginCallTimeoutMs, hostVersion: hostVersion,
                                  isolation: isolated ? isolation(entry, manifest: manifest, at: i) : nil)
        plugins.set(i, instance: inst)
        do { try inst.create(config: filled) } catch { return .failure(error) }
        if manifest.kind == .driver { registerDevices(inst, at: i) }
        if !inst.start() {
            let why = inst.lastError
            onLoop { events in events.record(.error, source: entry.name, kind: "plugin.start", why) }
        } else if manifest.kind == .driver {
            // Again after start (driver.h): a driver may only learn what its
            // devices are (identity, ratings) once it has reached them.
            registerDevices(inst, at: i)
        }
        return .success(inst)
    }

    /// Plugins shipped with Manta (manifest under the repository's Plugins/)
    /// run in process; any other in a runner.
    static func defaultIsolation(for manifest: Manifest) -> PluginIsolation {
        // The checkout the host was built in: Package.swift above the executable.
        guard let package = Paths.executable.flatMap({ Paths.findUpward("Package.swift", from: $0) }) else { return .process }
        let shipped = Paths.directory(of: package) + "/Plugins/"
        return Paths.normalize(Paths.absolute(manifest.path)).hasPrefix(shipped) ? .inProcess : .process
    }

    /// What a process-isolated instance is given: the clock and point ids
    /// it answers with, and how its runner's ends are reported.
    private func isolation(_ entry: HostConfig.Instance, manifest: Manifest, at i: Int) -> ProcessIsolation {
        let events = self.events, store = self.store, logger = self.logger
        var iso = ProcessIsolation(
            manifestPath: manifest.path, clock: services.clock, pointIDs: services.pointIDs, hostVersion: hostVersion,
            maxRestarts: entry.maxRestarts,
            exited: { inst, pid, reason, restartIn in
                let then = restartIn.map { "restarting in \($0) ms (restart \(inst.restarts) of \(entry.maxRestarts))" }
                    ?? "not restarted: \(entry.maxRestarts) restarts used"
                let detail = "runner \(pid) \(reason); \(then)"
                logger.error(inst.name, detail)
                let params: JSON = ["instance": .string(inst.name), "pid": .int(Int64(pid)), "reason": .string(reason),
                                    "restarts": .int(Int64(inst.restarts))]
                let row = AuditRow(tMs: WallClock.nowMs(), principal: "host", peer: "", method: "plugin.exited",
                                   params: params.serialized(), outcome: restartIn == nil ? "failed" : "restarting")
                EventLoop.shared.execute {
                    events.record(.error, source: inst.name, kind: "plugin.exited", detail)
                    store.add { $0.audits.append(row) }
                }
            },
            recreated: { inst in if manifest.kind == .driver { registerDevices(inst, at: i) } })
        iso.restarted = { inst, pid in
            let detail = "started again in runner \(pid) (restart \(inst.restarts) of \(entry.maxRestarts))"
            logger.info(inst.name, detail)
            EventLoop.shared.execute { events.record(.info, source: inst.name, kind: "plugin.restarted", detail) }
        }
        return iso
    }

    /// Asks a driver for its devices and registers them on the loop.
    private func registerDevices(_ inst: PluginInstance, at i: Int) {
        guard inst.handle != nil else { return }
        let name = inst.name
        switch inst.describeDevices() {
        case .none:
            inst.noteTimeout(hungAfterMs: 0)
            onLoop { events in events.record(.error, source: name, kind: "plugin.devices", "device_info did not return in time") }
        case .some(.failure(let e)):
            onLoop { events in events.record(.error, source: name, kind: "plugin.devices", e.message) }
        case .some(.success(let described)):
            let enrolment = self.enrolment
            let count = EventLoop.shared.sync { enrolment.enrol(described, instance: name, index: i) }
            logger.info(name, "\(count) devices")
        }
    }
}
