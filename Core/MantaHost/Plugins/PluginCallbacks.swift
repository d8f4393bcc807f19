import MantaABI
import MantaModel
import MantaSDK
import Synchronization

extension Logger.Level {
    /// The level of a plugin's log line.
    init(_ level: LogLevel) {
        switch level {
        case .debug: self = .debug
        case .info: self = .info
        case .warn: self = .warn
        case .error: self = .error
        }
    }
}

/// What the daemon's plugins reach through their manta_host_t. Called on
/// plugin worker threads, concurrently: each copies what it is given,
/// enqueues it onto the loop and returns (host.h: [any], never blocks).
final class PluginCallbacks: HostServices {
    let clock: HostClock
    private let logger: Logger
    private let catalog: PointCatalog
    /// The catalog's ids by name, for runners (they answer point_id themselves).
    var pointIDs: [String: UInt32] { Dictionary(catalog.points.map { ($0.name, $0.id) }, uniquingKeysWith: { a, _ in a }) }
    private let plugins: PluginTable
    private let ingest: TelemetryIngest
    private let prices: PriceIntake
    private let devices: DeviceWatch
    private let timers: CallbackTimers
    private let events: EventLog
    /// Samples handed to the loop and not yet ingested, and the most allowed.
    private let queued = Atomic<Int>(0)
    private let maxQueued: Int

    init(clock: HostClock, logger: Logger, catalog: PointCatalog, plugins: PluginTable, ingest: TelemetryIngest,
         prices: PriceIntake, devices: DeviceWatch, timers: CallbackTimers, events: EventLog, maxQueuedSamples: Int) {
        self.clock = clock
        self.logger = logger
        self.catalog = catalog
        self.plugins = plugins
        self.ingest = ingest
        self.prices = prices
        self.devices = devices
        self.timers = timers
        self.events = events
        maxQueued = maxQueuedSamples
    }

    func log(from instance: InstanceContext, level: LogLevel, message: String) {
        logger.log(Logger.Level(level), instance.name, message)
    }

    func setLinkState(from instance: InstanceContext, device: UInt32, online: Bool, reason: String) -> Int32 {
        let devices = self.devices
        EventLoop.shared.execute { devices.setLink(instance: instance.index, device: device, online: online, reason: reason) }
        return MANTA_OK
    }

    func reportError(from instance: InstanceContext, code: Int32, message: String) {
        // Recorded on the instance at once, so that a failing create() or
        // start() can say why in the same breath.
        plugins.instance(at: instance.index)?.noteReportedError(message)
        let events = self.events
        EventLoop.shared.execute {
            events.record(.error, source: instance.name, kind: "plugin.error", "\(StatusCode.name(code)): \(message)")
        }
    }

    func nowMs() -> Int64 { clock.nowMs() }

    func requestCallback(from instance: InstanceContext, delayMs: Int64) {
        let timers = self.timers
        EventLoop.shared.execute { timers.schedule(instance.index, delayMs: delayMs) }
    }

    func publishSamples(from instance: InstanceContext, _ samples: UnsafeBufferPointer<manta_sample_t>) -> Int32 {
        let n = samples.count
        // Bounded: a driver that outruns the host is told, not absorbed.
        guard queued.load(ordering: .relaxed) + n <= maxQueued else { return MANTA_ERR_BUSY }
        queued.add(n, ordering: .relaxed)
        let copy = Array(samples)
        EventLoop.shared.execute { [self] in ingestInTurns(instance, copy, from: 0) }
        return MANTA_OK
    }

    /// Samples ingested per loop turn: a fleet's publish (600,000 samples for
    /// 100,000 homes) is taken in slices, each behind whatever else queued
    /// on the loop meanwhile (a driver's setpoint outcomes, an API request),
    /// so one large batch delays nothing by more than a slice (~10 ms).
    static let samplesPerTurn = 20_000

    @LoopActor
    private func ingestInTurns(_ instance: InstanceContext, _ samples: [manta_sample_t], from start: Int) {
        let end = min(samples.count, start + Self.samplesPerTurn)
        queued.subtract(end - start, ordering: .relaxed)
        ingest.ingest(instance: instance.index, name: instance.name, samples[start..<end], nowMs: clock.nowMs())
        if end < samples.count { EventLoop.shared.execute { [self] in ingestInTurns(instance, samples, from: end) } }
    }

    func pointID(_ name: String) -> UInt32 { catalog[name]?.id ?? 0 }

    func publishPrices(from instance: InstanceContext, _ records: [Price]) -> Int32 {
        let prices = self.prices
        EventLoop.shared.execute { prices.accept(records, from: instance.name) }
        return MANTA_OK
    }
}
