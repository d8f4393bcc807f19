import MantaJSON
import MantaKit
import MantaModbus
import MantaSDK
import ModbusDriverKit

/// SunSpec devices over Modbus TCP: each is found by its "SunS" marker,
/// read through its model chain (common 1, inverters 101-103, 111-113 and
/// 701, nameplate 120, settings 121, controls 123 and 704, storage 124, 713,
/// 714 and battery 802, meters 201-204) and controlled through 123/704 and
/// 124/704, reading back what the device accepted.
final class SunSpecDriver: ModbusDriverPlugin {
    let core: ModbusDriverCore

    init(host: PluginHost, config: JSON) throws(PluginError) {
        core = try ModbusDriverCore(host: host, config: try ModbusDriverConfig(config), parse: { j, i, poll throws(PluginError) in
            try ModbusDeviceConfig(j, at: i, pollIntervalMs: poll)
        }, profile: { c in
            SunSpecDevice(role: c.meterIndex.map { .meter(index: $0) } ?? .inverter, invertPower: c.invertPower)
        })
    }
}

@_cdecl("manta_module_entry_v1")
public func mantaModuleEntry(_ hostMajor: UInt32, _ hostMinor: UInt32) -> UnsafePointer<manta_module_t>? {
    MantaModule.export(SunSpecDriver.self, ModuleInfo(id: "manta.sunspec", version: "0.1.0"), hostMajor: hostMajor, hostMinor: hostMinor)
}
