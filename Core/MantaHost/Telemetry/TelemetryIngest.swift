import MantaIO
import MantaModel
import MantaSDK

/// Takes samples published by drivers onto the model: validates each one,
/// keeps it as the latest value and hands it on to the store pipeline.
///
/// The first step of a sample's path on the loop: catalog check ->
/// latest-value table -> store batch. It owns that path; nothing pulls
/// from it afterwards.
@LoopActor
final class TelemetryIngest {
    struct Counters: Sendable {
        var received = 0
        var accepted = 0
        /// Accepted but stored as invalid (not finite, out of range).
        var flagged = 0
        /// Not stored: unknown device or point, or a point the kind lacks.
        var rejected = 0
    }

    let catalog: PointCatalog
    let registry: DeviceRegistry
    private let store: StorePipeline
    private let logger: Logger
    private(set) var latest = LatestValues()
    private(set) var counters = Counters()
    private var complaints: [String: Complaints] = [:]
    /// Times devices' responses to setpoints from their power readings.
    let responses: ResponseWatch
    /// Finds frequency events in what responsive devices read and do.
    let frequency: FrequencyWatch
    /// Meters the storage's energy by interval, for settlement.
    let meter: EnergyMeter
    /// Told of each batch's accepted samples (subscriptions follow them).
    var onAccepted: (([Sample]) -> Void)?
    private let powerPoint: UInt32

    init(catalog: PointCatalog, registry: DeviceRegistry, store: StorePipeline, logger: Logger, responses: ResponseWatch,
         frequency: FrequencyWatch, meter: EnergyMeter) {
        self.catalog = catalog
        self.registry = registry
        self.store = store
        self.logger = logger
        self.responses = responses
        self.frequency = frequency
        self.meter = meter
        powerPoint = catalog["ac.w"]?.id ?? UInt32.max
    }

    /// Ingests one batch from driver instance `instance`. `nowMs` stamps
    /// samples sent with time 0.
    func ingest(instance: Int, name: String, _ samples: ArraySlice<manta_sample_t>, nowMs: Int64) {
        counters.received += samples.count
        var accepted: [Sample] = []
        accepted.reserveCapacity(samples.count)
        for s in samples {
            guard let device = registry.device(instance: instance, index: s.device) else {
                counters.rejected += 1
                complain(name, "sample for unknown device index \(s.device): rejected")
                continue
            }
            let claimed = Quality(rawValue: s.quality) ?? .invalid
            switch catalog.check(point: s.point, value: s.value, quality: claimed, device: device) {
            case .reject(let reason):
                counters.rejected += 1
                complain(name, "\(device.id): \(reason): rejected")
            case .accept(let quality, let reason):
                counters.accepted += 1
                if let reason {
                    counters.flagged += 1
                    complain(name, "\(device.id): \(reason): stored as invalid")
                }
                let sample = Sample(device: device.number, point: s.point, timeMs: s.time_ms == 0 ? nowMs : s.time_ms,
                                    value: s.value, quality: quality)
                latest.update(sample)
                if responses.open > 0, s.point == powerPoint { responses.reading(device.number, valueW: s.value, timeMs: sample.timeMs) }
                if s.point == powerPoint, quality == .good, device.ratings.capacityWh > 0 {
                    meter.reading(device.number, w: s.value, timeMs: sample.timeMs)
                }
                if device.respondsToFrequency, s.point == powerPoint || s.point == frequency.hzPoint, quality == .good {
                    frequency.sample(device.number, point: s.point, value: s.value, timeMs: sample.timeMs)
                }
                accepted.append(sample)
            }
        }
        if !accepted.isEmpty { onAccepted?(accepted) }
        store.addSamples(accepted)
    }

    /// A bad sample is logged, but at most a few lines per instance per
    /// minute: a misbehaving driver must not flood the log.
    private func complain(_ instance: String, _ message: @autoclosure () -> String) {
        let now = WallClock.monotonicMs()
        var c = complaints[instance] ?? Complaints(windowStart: now)
        if now - c.windowStart > 60_000 {
            if c.suppressed > 0 { logger.warn(instance, "\(c.suppressed) more sample problems in the last minute (not shown)") }
            c = Complaints(windowStart: now)
        }
        if c.shown < 5 {
            c.shown += 1
            logger.warn(instance, message())
        } else {
            c.suppressed += 1
        }
        complaints[instance] = c
    }

    private struct Complaints {
        var windowStart: Int64
        var shown = 0
        var suppressed = 0
    }
}
