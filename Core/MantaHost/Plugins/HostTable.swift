import Glibc
import MantaABI
import MantaSDK

/// The manta_host_t the host hands one instance, and the C callbacks in it.
/// It and the host extensions carry the host's own struct_size (rule 3):
/// a plugin of an older minor reads the part it knows.
///
/// Owns the table, its strings and a retain on the instance context until
/// `free()`, which the host calls after the instance is destroyed.
final class HostTable: @unchecked Sendable {
    // @unchecked: the table is written once here and only read afterwards.
    let raw: UnsafeMutablePointer<manta_host_t>
    private let strings: [UnsafeMutablePointer<CChar>]
    private let context: Unmanaged<InstanceContext>

    init(context: InstanceContext, hostName: String, hostVersion: String) {
        self.context = Unmanaged.passRetained(context)
        let name = strdup(hostName)!, version = strdup(hostVersion)!, instance = strdup(context.name)!
        strings = [name, version, instance]
        func str(_ p: UnsafeMutablePointer<CChar>) -> manta_str_t { manta_str_t(ptr: p, len: UInt64(strlen(p))) }
        raw = .allocate(capacity: 1)
        raw.initialize(to: manta_host_t(
            struct_size: ABIGrowth.size(of: manta_host_t.self),
            abi_major: ModuleLoader.hostMajor, abi_minor: ModuleLoader.hostMinor, reserved0: 0,
            host_data: self.context.toOpaque(),
            host_name: str(name), host_version: str(version), instance_name: str(instance),
            log: HostTable.log, report_error: HostTable.reportError, now_ms: HostTable.now,
            request_callback: HostTable.requestCallback, publish_samples: HostTable.publishSamples,
            point_id: HostTable.pointID, get_extension: HostTable.getExtension))
    }

    func free() {
        strings.forEach { Glibc.free($0) }
        raw.deallocate()
        context.release()
    }

    static func ctx(_ host: UnsafePointer<manta_host_t>?) -> InstanceContext {
        Unmanaged<InstanceContext>.fromOpaque(host!.pointee.host_data).takeUnretainedValue()
    }

    static let log: @convention(c) (UnsafePointer<manta_host_t>?, Int32, manta_str_t) -> Void = { host, level, msg in
        let c = ctx(host)
        c.services.log(from: c, level: LogLevel(code: level), message: String(manta: msg))
    }

    static let reportError: @convention(c) (UnsafePointer<manta_host_t>?, Int32, manta_str_t) -> Void = { host, code, msg in
        let c = ctx(host)
        c.services.reportError(from: c, code: code, message: String(manta: msg))
    }

    static let now: @convention(c) (UnsafePointer<manta_host_t>?) -> Int64 = { host in
        ctx(host).services.nowMs()
    }

    static let requestCallback: @convention(c) (UnsafePointer<manta_host_t>?, Int64) -> Void = { host, delay in
        let c = ctx(host)
        c.services.requestCallback(from: c, delayMs: delay)
    }

    static let publishSamples: @convention(c) (UnsafePointer<manta_host_t>?, UnsafePointer<manta_sample_t>?, UInt32) -> Int32 = {
        host, samples, count in
        guard count > 0 else { return MANTA_OK }
        guard let samples else { return MANTA_ERR_INVALID }
        let c = ctx(host)
        return c.services.publishSamples(from: c, UnsafeBufferPointer(start: samples, count: Int(count)))
    }

    static let pointID: @convention(c) (UnsafePointer<manta_host_t>?, manta_str_t) -> UInt32 = { host, name in
        ctx(host).services.pointID(String(manta: name))
    }

    static let getExtension: @convention(c) (UnsafePointer<manta_host_t>?, UnsafePointer<CChar>?) -> UnsafeRawPointer? = {
        _, id in
        switch id.map({ String(cString: $0) }) {
        case MANTA_HOST_MARKET_ID: return UnsafeRawPointer(marketExtension)
        case MANTA_HOST_DEVICES_ID: return UnsafeRawPointer(devicesExtension)
        default: return nil
        }
    }

    /// "manta.host.devices/1".
    nonisolated(unsafe) static let devicesExtension: UnsafeMutablePointer<manta_host_devices_t> = {
        let t = UnsafeMutablePointer<manta_host_devices_t>.allocate(capacity: 1)
        t.initialize(to: manta_host_devices_t(
            struct_size: ABIGrowth.size(of: manta_host_devices_t.self), reserved0: 0,
            set_link_state: { host, device, state, reason in
                guard state == MANTA_LINK_ONLINE || state == MANTA_LINK_OFFLINE else { return MANTA_ERR_INVALID }
                let c = ctx(host)
                return c.services.setLinkState(from: c, device: device, online: state == MANTA_LINK_ONLINE,
                                               reason: String(manta: reason))
            }))
        return t
    }()

    /// "manta.host.market/1": the same for every instance (the host pointer
    /// says who is calling).
    nonisolated(unsafe) static let marketExtension: UnsafeMutablePointer<manta_host_market_t> = {
        let t = UnsafeMutablePointer<manta_host_market_t>.allocate(capacity: 1)
        t.initialize(to: manta_host_market_t(
            struct_size: ABIGrowth.size(of: manta_host_market_t.self), reserved0: 0,
            publish_prices: { host, prices, count, stride in
                let c = ctx(host)
                guard let records = Price.read(prices, count: count, stride: stride) else { return MANTA_ERR_INVALID }
                return c.services.publishPrices(from: c, records)
            }))
        return t
    }()
}
