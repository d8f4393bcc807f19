import MantaKit
import MantaSDK

/// What sits behind a manta_host_t: the daemon's runtime, or the
/// validator's recorder. Every method is [any]: called on plugin worker
/// threads, concurrently; implementations copy and enqueue, never block.
public protocol HostServices: AnyObject, Sendable {
    func log(from instance: InstanceContext, level: Int32, message: String)
    func reportError(from instance: InstanceContext, code: Int32, message: String)
    func nowMs() -> Int64
    func requestCallback(from instance: InstanceContext, delayMs: Int64)
    func publishSamples(from instance: InstanceContext, _ samples: UnsafeBufferPointer<manta_sample_t>) -> Int32
    func pointID(_ name: String) -> UInt32
    func publishPrices(from instance: InstanceContext, _ prices: [PriceRecord]) -> Int32
    /// A driver says whether it can reach one of its devices (manta.host.devices/1).
    func setLinkState(from instance: InstanceContext, device: UInt32, online: Bool, reason: String) -> Int32
}

/// A price as the host receives it from a connector (manta_price_t, copied).
public struct PriceRecord: Sendable, Equatable {
    public var intervalEndMs: Int64
    public var region: String
    public var rrp: Double
    public var demandMW: Double
    public var firm: Bool

    /// Copies `count` prices stepping by `stride` bytes.
    static func copy(_ base: UnsafePointer<manta_price_t>?, count: UInt32, stride: UInt32) -> [PriceRecord]? {
        guard count > 0 else { return [] }
        guard let base, Int(stride) >= MemoryLayout<manta_price_t>.size else { return nil }
        let raw = UnsafeRawPointer(base)
        return (0..<Int(count)).map { i in
            let p = (raw + i * Int(stride)).assumingMemoryBound(to: manta_price_t.self).pointee
            return PriceRecord(intervalEndMs: p.interval_end_ms, region: String(manta: p.region), rrp: p.rrp,
                               demandMW: p.demand_mw, firm: p.status != MANTA_PRICE_FORECAST)
        }
    }
}

/// Identifies the calling instance inside host callbacks: manta_host_t's
/// host_data points at one of these.
public final class InstanceContext: Sendable {
    public let name: String
    public let index: Int
    public let services: HostServices

    init(name: String, index: Int, services: HostServices) {
        self.name = name
        self.index = index
        self.services = services
    }
}
