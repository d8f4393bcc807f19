import Glibc
import MantaABI
import MantaJSON
import MantaSDK
import Synchronization

/// Identity of a Swift plugin module; must match its manifest.
public struct ModuleInfo: Sendable {
    public var id: String
    public var version: String
    /// Lowest host ABI minor the module needs.
    public var minHostMinor: UInt32

    public init(id: String, version: String, minHostMinor: UInt32 = 0) {
        self.id = id
        self.version = version
        self.minHostMinor = minHostMinor
    }
}

/// Turns a Swift plugin type into the C module table a host loads.
///
/// A plugin image exports one entry point that forwards here:
///
///     @_cdecl("manta_module_entry_v1")
///     public func mantaModuleEntry(_ major: UInt32, _ minor: UInt32) -> UnsafePointer<manta_module_t>? {
///         MantaModule.export(SimDriver.self, ModuleInfo(id: "manta.sim", version: "0.1.0"),
///                            hostMajor: major, hostMinor: minor)
///     }
public enum MantaModule {
    public static func export<P: DriverPlugin>(
        _ type: P.Type, _ info: ModuleInfo, hostMajor: UInt32, hostMinor: UInt32
    ) -> UnsafePointer<manta_module_t>? {
        register(info, kind: MANTA_KIND_DRIVER, hostMajor: hostMajor, hostMinor: hostMinor) { host, config throws(PluginError) in
            try P(host: host, config: config)
        }
    }

    /// A driver module that also finds devices (manta.discovery/1).
    public static func export<P: DriverPlugin, D: DiscoveryProvider>(
        _ type: P.Type, _ info: ModuleInfo, hostMajor: UInt32, hostMinor: UInt32, discovery: D.Type
    ) -> UnsafePointer<manta_module_t>? {
        state.withLock { $0.discovery = D.self }
        return export(type, info, hostMajor: hostMajor, hostMinor: hostMinor)
    }

    public static func export<P: StrategyPlugin>(
        _ type: P.Type, _ info: ModuleInfo, hostMajor: UInt32, hostMinor: UInt32
    ) -> UnsafePointer<manta_module_t>? {
        register(info, kind: MANTA_KIND_STRATEGY, hostMajor: hostMajor, hostMinor: hostMinor) { host, config throws(PluginError) in
            try P(host: host, config: config)
        }
    }

    public static func export<P: MarketPlugin>(
        _ type: P.Type, _ info: ModuleInfo, hostMajor: UInt32, hostMinor: UInt32
    ) -> UnsafePointer<manta_module_t>? {
        register(info, kind: MANTA_KIND_MARKET, hostMajor: hostMajor, hostMinor: hostMinor) { host, config throws(PluginError) in
            try P(host: host, config: config)
        }
    }

    typealias Factory = @Sendable (PluginHost, JSON) throws(PluginError) -> Plugin

    /// Module-wide state of this image. One image exports one module, so one
    /// global suffices; it is built once, under the lock, and never freed
    /// (modules are never unloaded).
    struct State: @unchecked Sendable {
        var table: UnsafeMutablePointer<manta_module_t>?
        var factory: Factory?
        var kind: Int32 = 0
        var initCount = 0
        var discovery: DiscoveryProvider.Type?
    }
    static let state = Mutex(State())

    static var factory: Factory? { state.withLock { $0.factory } }
    static var kind: Int32 { state.withLock { $0.kind } }
    static var discovery: DiscoveryProvider.Type? { state.withLock { $0.discovery } }

    /// The module table, or nil for a host this module cannot work with:
    /// another major, or a minor below `info.minHostMinor`. What the kit
    /// itself uses of the host needs no more than ABI 1.0, and fields added
    /// later are used only where the host's struct_size shows them.
    private static func register(
        _ info: ModuleInfo, kind: Int32, hostMajor: UInt32, hostMinor: UInt32, factory: @escaping Factory
    ) -> UnsafePointer<manta_module_t>? {
        guard hostMajor == UInt32(MANTA_ABI_MAJOR), hostMinor >= info.minHostMinor else { return nil }
        return state.withLock { s in
            if let table = s.table { return UnsafePointer(table) }
            s.factory = factory
            s.kind = kind
            let table = UnsafeMutablePointer<manta_module_t>.allocate(capacity: 1)
            table.initialize(to: manta_module_t(
                struct_size: ABIGrowth.size(of: manta_module_t.self),
                abi_major: UInt32(MANTA_ABI_MAJOR), abi_minor: UInt32(MANTA_ABI_MINOR),
                min_host_minor: info.minHostMinor,
                id: staticString(info.id), version: staticString(info.version), kind: kind, reserved0: 0,
                init: Thunks.initModule, deinit: Thunks.deinitModule, create: Thunks.create,
                start: Thunks.start, stop: Thunks.stop, destroy: Thunks.destroy,
                on_callback: Thunks.onCallback, get_extension: Thunks.getExtension))
            s.table = table
            return UnsafePointer(table)
        }
    }

    /// A C copy of `s` that lives as long as the process.
    private static func staticString(_ s: String) -> manta_str_t {
        manta_str_t(ptr: UnsafePointer(strdup(s)), len: UInt64(s.utf8.count))
    }
}

/// What the host's opaque instance handle points at.
final class InstanceBox {
    let host: PluginHost
    let plugin: Plugin
    /// C strings lent to the host by device_info; freed at the next call.
    var lent: [UnsafeMutablePointer<CChar>] = []

    init(host: PluginHost, plugin: Plugin) {
        self.host = host
        self.plugin = plugin
    }

    deinit { lent.forEach { free($0) } }

    static func from(_ handle: OpaquePointer?) -> InstanceBox {
        Unmanaged<InstanceBox>.fromOpaque(UnsafeRawPointer(handle!)).takeUnretainedValue()
    }

    /// Lends `s` until the next call into this instance.
    func lend(_ s: String) -> manta_str_t {
        let c = strdup(s)!
        lent.append(c)
        return manta_str_t(ptr: UnsafePointer(c), len: UInt64(s.utf8.count))
    }

    func releaseLent() {
        lent.forEach { free($0) }
        lent.removeAll(keepingCapacity: true)
    }

    /// Runs `body`, reporting a thrown PluginError and returning its code.
    func reporting(_ body: () throws(PluginError) -> Void) -> Int32 {
        do throws(PluginError) {
            try body()
            return MANTA_OK
        } catch {
            host.reportError(error)
            return error.code
        }
    }
}
