import Glibc
import MantaSDK
import Synchronization

/// A plugin module the host has loaded and accepted.
///
/// Never unloaded (the SDK's rule: Swift images, among others, cannot be
/// unloaded safely), so the table pointers stay valid for the process.
public final class LoadedModule: @unchecked Sendable {
    // @unchecked: the pointees are immutable static tables in the module;
    // `users` is behind a Mutex.
    public let manifest: Manifest
    public let path: String
    let table: UnsafePointer<manta_module_t>
    /// The kind's extension table (manta_driver_t, manta_strategy_t or
    /// manta_market_t).
    let kindTable: UnsafeRawPointer
    private let users = Mutex(0)

    init(manifest: Manifest, path: String, table: UnsafePointer<manta_module_t>, kindTable: UnsafeRawPointer) {
        self.manifest = manifest
        self.path = path
        self.table = table
        self.kindTable = kindTable
    }

    public var id: String { manifest.id }
    public var kind: PluginKind { manifest.kind }
    public var abiMajor: UInt32 { table.pointee.abi_major }
    public var abiMinor: UInt32 { table.pointee.abi_minor }
    public var minHostMinor: UInt32 { table.pointee.min_host_minor }

    /// [host] Calls the module's init on the first use; balanced by
    /// `release`. Returns the module's status.
    func acquire() -> Int32 {
        users.withLock { n in
            if n == 0 {
                let rc = table.pointee.`init`()
                guard rc == MANTA_OK else { return rc }
            }
            n += 1
            return MANTA_OK
        }
    }

    /// [host] Calls the module's deinit after the last user.
    func release() {
        users.withLock { n in
            guard n > 0 else { return }
            n -= 1
            if n == 0 { table.pointee.deinit() }
        }
    }
}
