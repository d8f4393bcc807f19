import MantaABI
import MantaModel
import MantaSDK
import Synchronization

/// The host behind a plugin run outside mantad (`manta plugin check`, a
/// backtest): it records what the plugin does instead of running a fleet,
/// and its clock is whatever the caller says it is: the validator jumps it
/// to each requested callback, a backtest sets it to each interval.
final class OfflineServices: HostServices {
    struct Record {
        var nowMs: Int64
        var logs: [String] = []
        var errors: [String] = []
        var pendingCallbackMs: Int64?
        var samples: [manta_sample_t] = []
        var prices: [Price] = []
    }

    let catalog: PointCatalog
    let record: Mutex<Record>

    init(catalog: PointCatalog, startMs: Int64, logger: Logger? = nil) {
        self.catalog = catalog
        self.logger = logger
        record = Mutex(Record(nowMs: startMs))
    }

    func setNow(_ ms: Int64) { record.withLock { $0.nowMs = ms } }

    /// The last error the plugin reported, if any, and forgets it.
    func takeLastError() -> String? {
        record.withLock { r in
            defer { r.errors.removeAll() }
            return r.errors.last
        }
    }

    /// Where log lines go besides the record (filtered by the logger's level).
    let logger: Logger?

    func log(from instance: InstanceContext, level: LogLevel, message: String) {
        logger?.log(Logger.Level(level), instance.name, message)
        record.withLock { if $0.logs.count < 1000 { $0.logs.append(message) } }
    }

    func reportError(from instance: InstanceContext, code: Int32, message: String) {
        record.withLock { if $0.errors.count < 1000 { $0.errors.append("\(StatusCode.name(code)): \(message)") } }
    }

    func nowMs() -> Int64 { record.withLock { $0.nowMs } }

    func setLinkState(from instance: InstanceContext, device: UInt32, online: Bool, reason: String) -> Int32 {
        if !online { log(from: instance, level: .warn, message: "device \(device) offline: \(reason)") }
        return MANTA_OK
    }

    func requestCallback(from instance: InstanceContext, delayMs: Int64) {
        record.withLock { $0.pendingCallbackMs = $0.nowMs + max(0, delayMs) }
    }

    func publishSamples(from instance: InstanceContext, _ samples: UnsafeBufferPointer<manta_sample_t>) -> Int32 {
        record.withLock { $0.samples += samples }
        return MANTA_OK
    }

    func pointID(_ name: String) -> UInt32 { catalog[name]?.id ?? 0 }

    func publishPrices(from instance: InstanceContext, _ prices: [Price]) -> Int32 {
        record.withLock { $0.prices += prices }
        return MANTA_OK
    }

    /// Moves the clock to the pending callback, if any; returns whether
    /// there was one.
    func advanceToCallback() -> Bool {
        record.withLock { r in
            guard let at = r.pendingCallbackMs else { return false }
            r.nowMs = max(r.nowMs, at)
            r.pendingCallbackMs = nil
            return true
        }
    }
}
