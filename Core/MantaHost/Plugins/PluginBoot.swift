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
        let module: LoadedModule
        do { module = try ModuleLoader.load(manifest, path: path) } catch { return .failure(error) }
        let rc = module.acquire()
        guard rc == 0 else {
            return .failure(PluginRefusal(plugin: manifest.id, path: path, reason: "module init() returned \(StatusCode.name(rc))"))
        }
        plugins.remember(module)
        let inst = PluginInstance(name: entry.name, index: i, module: module, services: services,
                                  callTimeoutMs: config.pluginCallTimeoutMs, hostVersion: hostVersion)
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

    /// Asks a driver for its devices and registers them on the loop.
    private func registerDevices(_ inst: PluginInstance, at i: Int) {
        guard let h = inst.handle else { return }
        let module = inst.module, name = inst.name
        let answer = inst.worker.sync(timeoutMs: inst.callTimeoutMs) { DriverCalls.describe(module, h.raw) }
        switch answer {
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
