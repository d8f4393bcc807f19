import MantaKit
import MantaSDK

/// The module's single exported symbol.
@_cdecl("manta_module_entry_v1")
public func mantaModuleEntry(_ hostMajor: UInt32, _ hostMinor: UInt32) -> UnsafePointer<manta_module_t>? {
    MantaModule.export(NemwebMarket.self, ModuleInfo(id: "manta.nemweb", version: "0.1.0"),
                       hostMajor: hostMajor, hostMinor: hostMinor)
}
