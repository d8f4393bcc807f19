import MantaABI
import MantaJSON
import MantaSDK

/// The host as an instance sees it: a typed view of its manta_host_t.
///
/// Valid from `init(host:config:)` until the instance is destroyed. Every
/// method is [any]: safe from any thread, never blocks.
public final class PluginHost: @unchecked Sendable {
    // @unchecked: the pointee is immutable host-owned memory whose functions
    // are thread-safe by the ABI's contract ([any]).
    public let raw: UnsafePointer<manta_host_t>
    /// The host's table as read under rule 3 (abi.h): its first struct_size
    /// bytes, the rest zero. A field added after 1.0 is used only when
    /// `has(_:)` says the host filled it.
    private let table: manta_host_t
    private let market: manta_host_market_t?
    private let devices: manta_host_devices_t?

    /// nil when the host's table is smaller than ABI 1.0's.
    init?(_ raw: UnsafePointer<manta_host_t>) {
        guard let t = ABIGrowth.read(raw, as: manta_host_t.self, minimum: ABIGrowth.Size10.host) else { return nil }
        self.raw = raw
        table = t
        // Both extensions exist since 1.0; one smaller than its 1.0 size is
        // treated as not offered.
        func ext<T>(_ id: String, _: T.Type, _ minimum: Int) -> T? {
            t.get_extension(raw, id).flatMap { ABIGrowth.read($0, as: T.self, minimum: minimum) }
        }
        market = ext(MANTA_HOST_MARKET_ID, manta_host_market_t.self, ABIGrowth.Size10.hostMarket)
        devices = ext(MANTA_HOST_DEVICES_ID, manta_host_devices_t.self, ABIGrowth.Size10.hostDevices)
    }

    /// The host's ABI version, as its table states it.
    public var abi: (major: UInt32, minor: UInt32) { (table.abi_major, table.abi_minor) }
    /// The size of the host's table: what it knew of manta_host_t.
    public var tableSize: UInt32 { table.struct_size }
    /// MANTA_HAS_FIELD on the host's table: whether the host filled `field`.
    /// Check it before using any manta_host_t field added after 1.0.
    public func has<V>(_ field: KeyPath<manta_host_t, V>) -> Bool { ABIGrowth.hasField(table.struct_size, field) }
    /// The name the operator gave this instance.
    public var instanceName: String { String(manta: table.instance_name) }

    public func log(_ level: LogLevel, _ message: String) {
        message.withManta { table.log(raw, level.rawValue, $0) }
    }

    public func reportError(_ error: PluginError) {
        error.message.withManta { table.report_error(raw, error.code, $0) }
    }

    /// The host clock (replay-aware), ms since the Unix epoch.
    public var nowMs: Int64 { table.now_ms(raw) }

    /// One on_callback() no earlier than `delayMs` of host-clock time from now.
    public func requestCallback(afterMs delayMs: Int64) {
        table.request_callback(raw, delayMs)
    }

    /// A catalog point id, or nil when the host does not know the name.
    public func pointID(_ name: String) -> UInt32? {
        let id = name.withManta { table.point_id(raw, $0) }
        return id == 0 ? nil : id
    }

    /// Publishes samples; returns MANTA_OK or MANTA_ERR_BUSY (not taken).
    @discardableResult
    public func publish(_ samples: UnsafeBufferPointer<manta_sample_t>) -> Int32 {
        guard let base = samples.baseAddress, !samples.isEmpty else { return MANTA_OK }
        return table.publish_samples(raw, base, UInt32(samples.count))
    }

    @discardableResult
    public func publish(_ samples: [manta_sample_t]) -> Int32 {
        samples.withUnsafeBufferPointer { publish($0) }
    }

    /// Says whether device `index` can be reached, and if not why (drivers).
    /// Falls back to reporting an error on a host without the devices
    /// extension.
    @discardableResult
    public func setLink(device index: Int, online: Bool, reason: String) -> Int32 {
        guard let devices else {
            if !online { reportError(PluginError(MANTA_ERR_IO, "device \(index): \(reason)")) }
            return MANTA_ERR_UNSUPPORTED
        }
        return reason.withManta {
            devices.set_link_state(raw, UInt32(index), online ? MANTA_LINK_ONLINE : MANTA_LINK_OFFLINE, $0)
        }
    }

    /// Publishes prices as they appear (market connectors). Returns
    /// MANTA_ERR_UNSUPPORTED when the host offers no market extension.
    @discardableResult
    public func publishPrices(_ prices: [Price]) -> Int32 {
        guard let market else { return MANTA_ERR_UNSUPPORTED }
        return Price.withC(prices) { base, count, stride in
            market.publish_prices(raw, base, count, stride)
        }
    }
}
