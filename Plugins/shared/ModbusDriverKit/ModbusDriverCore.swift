import MantaIO
import MantaJSON
import MantaKit
import MantaModbus
import MantaSDK
import Synchronization

/// What the sunspec and modbus drivers share: their devices' links, a
/// scheduler thread that polls each device on its own interval (on wall
/// time: devices are real), a bounded pool of threads doing the Modbus
/// exchanges, and the samples and link states sent to the host.
///
/// Threads: the plugin's worker calls start, stop, device info and
/// setpoints; the scheduler and the pool run polls and releases; host
/// callbacks are [any]. `stop` joins both before it returns, so nothing
/// reaches the host afterwards.
public final class ModbusDriverCore: @unchecked Sendable {
    // @unchecked: `links` and the point table are written in init only;
    // each link guards itself; `stopping` is read under `signal`'s lock.
    let host: PluginHost
    public let links: [DeviceLink]
    let startWaitMs: Int
    private let threads: Int
    private var points: [String: UInt32] = [:]
    private var unknownPoints: Set<String> = []
    private let pointsLock = Lock()
    private var pool: Worker?
    private var scheduler: Worker?
    private var stopSignal = Completion<Bool>()

    /// Builds a link per device entry; `profile` makes the device's profile.
    public init(host: PluginHost, config: ModbusDriverConfig,
                parse: (ModbusDeviceEntry, Int, Int) throws(PluginError) -> ModbusDeviceConfig,
                profile: (ModbusDeviceConfig) throws(PluginError) -> DeviceProfile) throws(PluginError) {
        self.host = host
        let timeouts = ModbusClient.Timeouts(connectMs: config.connectTimeoutMs, requestMs: config.timeoutMs)
        threads = config.threads
        startWaitMs = config.startWaitMs
        var links: [DeviceLink] = []
        var keys = Set<String>()
        for (i, j) in config.devices.enumerated() {
            let c = try parse(j, i, config.pollIntervalMs)
            guard keys.insert(c.key).inserted else { throw .config("devices[\(i)].key: \(c.key) is used twice") }
            links.append(DeviceLink(index: i, config: c, profile: try profile(c), timeouts: timeouts))
        }
        self.links = links
    }

    public func start() {
        stopSignal = Completion<Bool>()
        let pool = Worker(name: "\(host.instanceName)-io", threads: max(1, min(threads, links.count)))
        self.pool = pool
        // Meet every device once before the host reads their descriptions.
        let met = Completion<Bool>(), remaining = Atomic<Int>(links.count)
        for link in links where link.claim() {
            pool.submit { [self] in
                pollOnce(link)
                if remaining.subtract(1, ordering: .relaxed).newValue == 0 { met.finish(true) }
            }
        }
        if !links.isEmpty { _ = met.wait(timeoutMs: Int64(startWaitMs)) }
        let scheduler = Worker(name: "\(host.instanceName)-tick")
        self.scheduler = scheduler
        scheduler.submit { [self] in schedule(pool) }
    }

    /// The scheduler: sleeps until the next device is due, hands it to the
    /// pool (skipping a device whose last poll is still running), and
    /// releases setpoints whose validity has ended.
    private func schedule(_ pool: Worker) {
        let start = WallClock.monotonicMs()
        var due = links.map { start + Int64($0.config.pollIntervalMs) }
        while true {
            let now = WallClock.monotonicMs()
            let next = due.min() ?? now + 1000
            if stopSignal.wait(timeoutMs: max(0, min(next - now, 1000))) != nil { return }
            let t = WallClock.monotonicMs(), hostNow = host.nowMs
            for (i, link) in links.enumerated() where due[i] <= t {
                let interval = Int64(link.config.pollIntervalMs)
                due[i] += interval
                if due[i] <= t { due[i] = t + interval }  // fallen behind: skip, do not catch up
                guard link.claim() else { continue }
                pool.submit { [self] in
                    pollOnce(link)
                    link.releaseExpired(nowMs: hostNow) { reportLink(link, $0, $1) }
                }
            }
        }
    }

    private func pollOnce(_ link: DeviceLink) {
        guard let values = link.poll(report: { reportLink(link, $0, $1) }) else { return }
        let t = host.nowMs
        var batch: [manta_sample_t] = []
        batch.reserveCapacity(values.count)
        for (name, value) in values {
            guard let id = point(name) else { continue }
            batch.append(manta_sample_t(device: UInt32(link.index), point: id, time_ms: t, value: value,
                                        quality: MANTA_QUALITY_GOOD, reserved: 0))
        }
        if host.publish(batch) == MANTA_ERR_BUSY { host.log(.warn, "host ingest queue full: \(link.config.key) poll dropped") }
    }

    private func reportLink(_ link: DeviceLink, _ online: Bool, _ reason: String) {
        host.setLink(device: link.index, online: online, reason: reason)
        host.log(online ? .info : .warn, "\(link.config.key) \(online ? "online" : "offline: \(reason)")")
    }

    /// The catalog id of `name`; a name the host does not know is logged once and dropped.
    private func point(_ name: String) -> UInt32? {
        pointsLock.withLock {
            if let id = points[name] { return id }
            guard !unknownPoints.contains(name) else { return nil }
            if let id = host.pointID(name) {
                points[name] = id
                return id
            }
            unknownPoints.insert(name)
            host.log(.warn, "the host's catalog has no point \(name): not published")
            return nil
        }
    }

    public func apply(_ sp: Setpoint) -> SetpointOutcome {
        guard links.indices.contains(sp.device) else { return SetpointOutcome(.rejected, applied: .nan, "no device \(sp.device)") }
        let link = links[sp.device]
        let outcome = link.apply(sp, nowMs: host.nowMs) { reportLink(link, $0, $1) }
        if outcome.outcome == .rejected { host.log(.warn, "\(link.config.key): setpoint \(sp.commandID) refused: \(outcome.message)") }
        return outcome
    }

    public func stop() {
        stopSignal.finish(true)
        scheduler?.join()
        pool?.join()
        scheduler = nil
        pool = nil
        links.forEach { $0.close() }
    }
}
