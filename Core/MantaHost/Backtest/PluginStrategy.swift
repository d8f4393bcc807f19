import MantaABI
import MantaEngine
import MantaIO
import MantaJSON
import MantaMarket
import MantaModel
import MantaSDK

/// A strategy plugin (.so) run by the backtester, in process, on the
/// backtest's own thread (which serves as the instance's worker: every
/// call comes from it, one at a time). The host clock the plugin sees is
/// the start of the interval being decided.
public final class PluginStrategy: FCASTrading {
    public let name: String
    let module: LoadedModule
    let handle: OpaquePointer
    let table: HostTable
    let services: OfflineServices
    let marshal = ObservationLayout()
    private var closed = false
    /// What the plugin enabled in the last decide (ABI 1.2), handed over
    /// by `enable`; empty when no FCAS was offered.
    private var fcasMW: [Double] = []

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Loads `path`, finds its manifest (beside it, or in `pluginDirs`),
    /// validates `config` against the manifest's schema and creates and
    /// starts an instance.
    public init(path: String, pluginDirs: [String], config: JSON?, catalog: PointCatalog, logger: Logger?) throws(Failure) {
        let absolute = Paths.absolute(path)
        guard FileSystem.exists(absolute) else { throw Failure(description: "\(path): no such file") }
        let index = ManifestIndex(pluginDirs: pluginDirs + [Paths.directory(of: absolute)], libraryDirs: [])
        guard let manifest = index.manifest(forLibrary: absolute) else {
            throw Failure(description: "\(path): no manifest names \(Paths.basename(absolute)) under \((pluginDirs + [Paths.directory(of: absolute)]).joined(separator: ", "))")
        }
        guard manifest.kind == .strategy else {
            throw Failure(description: "\(manifest.id) is a \(manifest.kind.rawValue), not a strategy")
        }
        let raw = config ?? .object(JSONObject())
        let violations = manifest.configSchema.validate(raw)
        guard violations.isEmpty else {
            throw Failure(description: "\(manifest.id) config: " + violations.map(\.description).joined(separator: "; "))
        }
        let schema = manifest.configSchema
        let filled = schema.resolvingPaths(in: schema.applyingDefaults(to: raw)) { Paths.absolute($0) }
        let module: LoadedModule
        do {
            module = try ModuleLoader.load(manifest, path: absolute)
        } catch {
            throw Failure(description: error.description)
        }
        guard module.acquire() == MANTA_OK else { throw Failure(description: "\(manifest.id): init() failed") }
        let services = OfflineServices(catalog: catalog, startMs: 0, logger: logger)
        let table = HostTable(context: InstanceContext(name: manifest.id, index: 0, services: services),
                              hostName: "manta backtest", hostVersion: HostRuntime.version)
        guard let h = filled.serialized().withManta({ module.table.pointee.create(table.raw, $0) }) else {
            let why = services.takeLastError() ?? "no reason given"
            table.free()
            module.release()
            throw Failure(description: "\(manifest.id): create() failed: \(why)")
        }
        let rc = module.table.pointee.start(h)
        guard rc == MANTA_OK else {
            module.table.pointee.destroy(h)
            table.free()
            module.release()
            throw Failure(description: "\(manifest.id): start() returned \(StatusCode.name(rc)): \(services.takeLastError() ?? "")")
        }
        self.module = module
        self.services = services
        self.table = table
        handle = h
        name = "\(manifest.id) (\(Paths.basename(absolute)))"
    }

    public func decide(_ obs: Observation, targets: inout [Double]) throws -> String? {
        services.setNow(obs.nowMs)
        // The plugin answers energy and FCAS in the one call; FCAS is offered when the observation has prices.
        let n = obs.fcas.isEmpty ? 0 : obs.assets.count * Price.fcasCount
        if fcasMW.count != n { fcasMW = [Double](repeating: 0, count: n) } else { for k in fcasMW.indices { fcasMW[k] = 0 } }
        let (rc, _) = marshal.decide(module, handle, obs, targets: &targets, fcasMW: &fcasMW, wantReason: false)
        guard rc == MANTA_OK else {
            throw Failure(description: services.takeLastError() ?? "decide() returned \(StatusCode.name(rc))")
        }
        return nil
    }

    public func enable(_ obs: Observation, prices: FCASPrices, targets: [Double], enablement: inout FCASEnablement) -> String? {
        guard fcasMW.count == obs.assets.count * Price.fcasCount else { return nil }
        for i in 0..<obs.assets.count {
            for s in FCASService.allCases { enablement[i, s] = fcasMW[i * Price.fcasCount + s.rawValue] }
        }
        return nil
    }

    /// Stops and destroys the instance. Called by deinit if not before.
    public func close() {
        guard !closed else { return }
        closed = true
        module.table.pointee.stop(handle)
        module.table.pointee.destroy(handle)
        table.free()
        module.release()
    }

    deinit { close() }
}
