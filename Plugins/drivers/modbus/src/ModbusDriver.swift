import MantaIO
import MantaJSON
import MantaKit
import MantaModbus
import MantaSDK
import ModbusDriverKit

/// Devices whose register maps are not SunSpec, driven by the vendor
/// templates in registry/devices/ (and SunSpec devices through a vendor's
/// SunSpec profile there). A device entry names its template; the template
/// supplies its port, unit id and kind unless the entry gives them.
final class ModbusDriver: ModbusDriverPlugin {
    let core: ModbusDriverCore

    init(host: PluginHost, config json: JSON) throws(PluginError) {
        let config = try ModbusDriverConfig(json)
        guard let dir = config.templates ?? Paths.findRegistry("registry/devices") else {
            throw .config("templates: no registry/devices above the current folder or the host; give the folder")
        }
        let registry: TemplateRegistry
        do { registry = try TemplateRegistry.load(directory: dir) } catch { throw .config("templates: \(error)") }
        core = try ModbusDriverCore(host: host, config: config, parse: { j, i, poll throws(PluginError) in
            guard let id = j.template else {
                throw .config("devices[\(i)].template: required (one of \(registry.templates.map(\.id).joined(separator: ", ")))")
            }
            guard let t = registry.template(id) else {
                throw .config("devices[\(i)].template: no template \(id) in \(dir) (have \(registry.templates.map(\.id).joined(separator: ", ")))")
            }
            return try ModbusDeviceConfig(j, at: i, pollIntervalMs: poll, defaults: (t.port, t.unitID, t.kind))
        }, profile: { c throws(PluginError) in
            // parse() has found the template; a device without one cannot get here.
            guard let id = c.template, let t = registry.template(id) else { throw .config("\(c.key): no template") }
            switch t.protocol {
            case .sunspec:
                return SunSpecDevice(role: c.meterIndex.map { .meter(index: $0) } ?? .inverter, invertPower: c.invertPower,
                                     manufacturerPrefix: t.identify.sunspecManufacturer)
            case .modbus:
                return TemplateDevice(t, invertPower: c.invertPower)
            }
        })
    }
}

@_cdecl("manta_module_entry_v1")
public func mantaModuleEntry(_ hostMajor: UInt32, _ hostMinor: UInt32) -> UnsafePointer<manta_module_t>? {
    MantaModule.export(ModbusDriver.self, ModuleInfo(id: "manta.modbus", version: "0.1.0"), hostMajor: hostMajor, hostMinor: hostMinor,
                       discovery: ModbusDiscovery.self)
}
