import MantaIO
import MantaModel

/// The state the loop owns, shared by the subsystems that run on it
/// (telemetry, dispatch, the RPC methods).
///
/// [loop] Confined to the loop thread once the loop runs; built before it.
final class HostState {
    let config: HostConfig
    let loop: EventLoop
    let clock: HostClock
    let logger: Logger
    let catalog: PointCatalog
    let registry: DeviceRegistry
    let ingest: TelemetryIngest
    let prices = PriceBook()
    let pipeline: StorePipeline
    let reader: StoreReader
    let events: EventLog
    let health: DeviceHealth
    let exportLimits = ExportLimits()
    let startedWallMs = WallClock.nowMs()
    /// The host clock when the host started.
    let startedMs: Int64
    let version: String
    /// Instances in config order; index = InstanceContext.index.
    var instances: [PluginInstance?] = []
    var records: [InstanceRecord] = []
    var vpps: [VPPRuntime] = []
    var nextIntervalID: Int64
    var nextCommandID: Int64
    var nextBidID: UInt64 = 1

    /// What the host knows of each configured instance, loaded or not.
    struct InstanceRecord: Sendable {
        var name: String
        var pluginID: String
        var kind: PluginKind?
        var version: String
        var path: String
        var vendor: String
        var license: String
        var enabled: Bool
        /// Why the instance is not running, when it is not.
        var refusal: String?
    }

    init(config: HostConfig, loop: EventLoop, clock: HostClock, logger: Logger, catalog: PointCatalog,
         pipeline: StorePipeline, reader: StoreReader, version: String) throws(StoreError) {
        self.config = config
        self.loop = loop
        self.clock = clock
        self.logger = logger
        self.catalog = catalog
        self.pipeline = pipeline
        self.reader = reader
        self.version = version
        startedMs = clock.nowMs()
        registry = DeviceRegistry(known: try reader.knownDevices())
        ingest = TelemetryIngest(catalog: catalog, registry: registry, logger: logger)
        events = EventLog(store: pipeline, logger: logger)
        health = DeviceHealth(staleAfterMs: config.staleAfterMs, offlineAfterMs: config.offlineAfterMs)
        let ids = try reader.maxDispatchIDs()
        nextIntervalID = ids.interval + 1
        nextCommandID = ids.command + 1
    }

    func index(of instance: String) -> Int? { records.firstIndex { $0.name == instance } }

    func instance(named name: String) -> PluginInstance? {
        index(of: name).flatMap { instances[$0] }
    }

    func now() -> Int64 { clock.nowMs() }
}
