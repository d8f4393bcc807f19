import MantaABI
import MantaSDK

/// What sits behind a manta_host_t: the daemon's runtime, or the
/// validator's recorder. Every method is [any]: called on plugin worker
/// threads, concurrently; implementations copy and enqueue, never block.
public protocol HostServices: AnyObject, Sendable {
    func log(from instance: InstanceContext, level: LogLevel, message: String)
    func reportError(from instance: InstanceContext, code: Int32, message: String)
    func nowMs() -> Int64
    func requestCallback(from instance: InstanceContext, delayMs: Int64)
    func publishSamples(from instance: InstanceContext, _ samples: UnsafeBufferPointer<manta_sample_t>) -> Int32
    func pointID(_ name: String) -> UInt32
    func publishPrices(from instance: InstanceContext, _ prices: [Price]) -> Int32
    /// A driver says whether it can reach one of its devices (manta.host.devices/1).
    func setLinkState(from instance: InstanceContext, device: UInt32, online: Bool, reason: String) -> Int32
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
