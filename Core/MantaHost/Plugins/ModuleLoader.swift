import Glibc
import MantaABI
import MantaSDK
import Synchronization

/// Why the host would not load a plugin: the plugin, the file and the
/// reason, in one line an operator can act on.
public struct PluginRefusal: Error, Sendable, CustomStringConvertible {
    public let plugin: String
    public let path: String
    public let reason: String
    public var description: String { "plugin \(plugin) (\(path)) refused: \(reason)" }
}

/// dlopen, entry lookup, version negotiation and the manifest cross-check.
public enum ModuleLoader {
    public static let hostMajor = UInt32(MANTA_ABI_MAJOR)
    public static let hostMinor = UInt32(MANTA_ABI_MINOR)

    /// Modules already loaded, by path: loading is idempotent per process.
    private static let loaded = Mutex<[String: LoadedModule]>([:])

    /// [host] Loads and checks the module at `path` against `manifest`.
    /// `hostMinor` is a parameter so that tests can play an older host.
    public static func load(_ manifest: Manifest, path: String, hostMinor: UInt32 = hostMinor) throws(PluginRefusal) -> LoadedModule {
        if let m = loaded.withLock({ $0[path] }), m.manifest.id == manifest.id { return m }
        func refuse(_ reason: String) -> PluginRefusal { PluginRefusal(plugin: manifest.id, path: path, reason: reason) }

        guard manifest.abiMajor == hostMajor else {
            throw refuse("its manifest declares ABI \(manifest.abiMajor).\(manifest.abiMinor); this host speaks ABI \(hostMajor).\(hostMinor)")
        }
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE) else {
            throw refuse("dlopen failed: \(String(cString: dlerror()))")
        }
        guard let symbol = dlsym(handle, MANTA_MODULE_ENTRY_SYMBOL) else {
            throw refuse("no \(MANTA_MODULE_ENTRY_SYMBOL) symbol: not a Manta ABI v1 plugin (or built without MANTA_EXPORT)")
        }
        typealias Entry = @convention(c) (UInt32, UInt32) -> UnsafePointer<manta_module_t>?
        let entry = unsafeBitCast(symbol, to: Entry.self)
        guard let raw = entry(hostMajor, hostMinor) else {
            throw refuse("the module declined this host (ABI \(hostMajor).\(hostMinor)): its entry returned NULL")
        }
        // Rule 3: at least the 1.0 table, and nothing read past the module's
        // struct_size (a newer module's table is larger; its extra fields
        // are not ours to read).
        let tableSize = ABIGrowth.structSize(at: raw)
        guard let m = ABIGrowth.read(raw, as: manta_module_t.self, minimum: ABIGrowth.Size10.module) else {
            throw refuse("module table is \(tableSize) bytes; ABI 1.0 needs \(ABIGrowth.Size10.module)")
        }
        guard m.abi_major == hostMajor else {
            throw refuse("built for ABI major \(m.abi_major); this host speaks ABI \(hostMajor).\(hostMinor)")
        }
        guard m.min_host_minor <= hostMinor else {
            throw refuse("needs a host with ABI \(m.abi_major).\(m.min_host_minor) or newer; this host speaks \(hostMajor).\(hostMinor)")
        }
        let id = String(manta: m.id), version = String(manta: m.version)
        let moduleKind = PluginKind(code: m.kind)
        var mismatches: [String] = []
        if id != manifest.id { mismatches.append("id: manifest \(manifest.id), module \(id)") }
        if version != manifest.version { mismatches.append("version: manifest \(manifest.version), module \(version)") }
        if moduleKind != manifest.kind {
            mismatches.append("kind: manifest \(manifest.kind.rawValue), module \(moduleKind?.rawValue ?? "code \(m.kind)")")
        }
        if m.abi_minor != manifest.abiMinor {
            mismatches.append("abi: manifest \(manifest.abiMajor).\(manifest.abiMinor), module \(m.abi_major).\(m.abi_minor)")
        }
        guard mismatches.isEmpty else { throw refuse("manifest does not match the module: \(mismatches.joined(separator: "; "))") }

        let required: [(String, Bool)] = [
            ("init", m.`init` != nil), ("deinit", m.deinit != nil), ("create", m.create != nil),
            ("start", m.start != nil), ("stop", m.stop != nil), ("destroy", m.destroy != nil),
            ("on_callback", m.on_callback != nil), ("get_extension", m.get_extension != nil),
        ]
        let missing = required.filter { !$0.1 }.map(\.0)
        guard missing.isEmpty else { throw refuse("module table lacks \(missing.joined(separator: ", "))") }
        guard let ext = m.get_extension(manifest.kind.extensionID) else {
            throw refuse("a \(manifest.kind.rawValue) must provide the \(manifest.kind.extensionID) extension; get_extension returned NULL")
        }
        let kindTable: UnsafeRawPointer
        switch copyKindTable(ext, kind: manifest.kind) {
        case .failure(let problem): throw refuse(problem.message)
        case .success(let copy): kindTable = copy
        }

        // Modules are never unloaded, so neither are the host's copies.
        let ownTable = UnsafeMutablePointer<manta_module_t>.allocate(capacity: 1)
        ownTable.initialize(to: m)
        let module = LoadedModule(manifest: manifest, path: path, table: ownTable, tableSize: tableSize,
                                  kindTable: kindTable, kindTableSize: ABIGrowth.structSize(at: ext))
        loaded.withLock { $0[path] = module }
        return module
    }

    /// Checks a kind's extension table (at least its 1.0 size, no NULL
    /// 1.0 functions) and returns the host's copy of it (rule 3: the
    /// module's struct_size bytes, zero beyond, so a later optional field a
    /// module lacks reads as NULL).
    private static func copyKindTable(_ ext: UnsafeRawPointer, kind: PluginKind) -> Result<UnsafeRawPointer, PluginCallError> {
        let size = ABIGrowth.structSize(at: ext)
        func short(_ need: Int) -> PluginCallError {
            PluginCallError("\(kind.extensionID) table is \(size) bytes; ABI 1.0 needs \(need)")
        }
        func own<T>(_ t: T) -> UnsafeRawPointer {
            let p = UnsafeMutablePointer<T>.allocate(capacity: 1)
            p.initialize(to: t)
            return UnsafeRawPointer(p)
        }
        let missing = PluginCallError("\(kind.extensionID) table has NULL functions")
        switch kind {
        case .driver:
            guard let t = ABIGrowth.read(ext, as: manta_driver_t.self, minimum: ABIGrowth.Size10.driver) else {
                return .failure(short(ABIGrowth.Size10.driver))
            }
            if t.device_count == nil || t.device_info == nil || t.apply_setpoint == nil { return .failure(missing) }
            return .success(own(t))
        case .strategy:
            guard let t = ABIGrowth.read(ext, as: manta_strategy_t.self, minimum: ABIGrowth.Size10.strategy) else {
                return .failure(short(ABIGrowth.Size10.strategy))
            }
            if t.decide == nil { return .failure(PluginCallError("\(kind.extensionID) table has no decide()")) }
            return .success(own(t))
        case .market:
            guard let t = ABIGrowth.read(ext, as: manta_market_t.self, minimum: ABIGrowth.Size10.market) else {
                return .failure(short(ABIGrowth.Size10.market))
            }
            if t.fetch_prices == nil || t.submit_bid == nil { return .failure(missing) }
            return .success(own(t))
        }
    }
}
