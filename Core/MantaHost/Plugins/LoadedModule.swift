import Glibc
import MantaSDK
import Synchronization

/// A plugin module the host has loaded and accepted.
///
/// Never unloaded (the SDK's rule: Swift images, among others, cannot be
/// unloaded safely), so the table pointers stay valid for the process.
public final class LoadedModule: @unchecked Sendable {
    // @unchecked: the tables are immutable host-owned copies; `users` is
    // behind a Mutex.
    public let manifest: Manifest
    public let path: String
    /// The module table as the host read it (abi.h rule 3): a host-owned
    /// copy of the module's first struct_size bytes, zero beyond, so a field
    /// the module's minor lacks reads as 0 / NULL and nothing past what the
    /// module declared is ever read.
    let table: UnsafePointer<manta_module_t>
    /// The kind's extension table (manta_driver_t, manta_strategy_t or
    /// manta_market_t), copied the same way.
    let kindTable: UnsafeRawPointer
    /// struct_size of the module's own tables: MANTA_HAS_FIELD on these
    /// decides whether a field added after 1.0 is used.
    public let tableSize: UInt32
    public let kindTableSize: UInt32
    private let users = Mutex(0)

    init(manifest: Manifest, path: String, table: UnsafePointer<manta_module_t>, tableSize: UInt32,
         kindTable: UnsafeRawPointer, kindTableSize: UInt32) {
        self.manifest = manifest
        self.path = path
        self.table = table
        self.tableSize = tableSize
        self.kindTable = kindTable
        self.kindTableSize = kindTableSize
    }

    /// What the host keeps of a module a runner loads (process isolation):
    /// its manifest and ABI as declared (the runner checks them against the
    /// module), and zeroed tables that nothing calls: every call goes to the
    /// runner.
    convenience init(standInFor manifest: Manifest, path: String) {
        let table = UnsafeMutablePointer<manta_module_t>.allocate(capacity: 1)
        table.initialize(to: manta_module_t())
        table.pointee.abi_major = manifest.abiMajor
        table.pointee.abi_minor = manifest.abiMinor
        let kind = UnsafeMutableRawPointer.allocate(byteCount: 256, alignment: 16)
        kind.initializeMemory(as: UInt8.self, repeating: 0, count: 256)
        self.init(manifest: manifest, path: path, table: table, tableSize: 0, kindTable: kind, kindTableSize: 0)
    }

    /// [host] A stand-in takes the ABI its runner found in the module
    /// (before the instance is created, so before anyone reads it; a
    /// restart writes the same values again).
    func adoptRunnerABI(major: UInt32, minor: UInt32, minHostMinor: UInt32) {
        guard tableSize == 0 else { return }
        let t = UnsafeMutablePointer(mutating: table)
        t.pointee.abi_major = major
        t.pointee.abi_minor = minor
        t.pointee.min_host_minor = minHostMinor
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
