import MantaIO
import MantaJSON
import MantaKit
import MantaModbus

/// "manta.discovery/1" for the Modbus drivers: scans addresses and ports
/// for SunSpec devices and for devices a vendor template recognises, and
/// answers each with the device entry for manta.sunspec or manta.modbus.
/// The host calls it for devices.discover; `manta discover` runs the same
/// scan in the CLI.
enum ModbusDiscovery: DiscoveryProvider {
    static let maxEndpoints = 4096

    static func scan(_ request: JSON, found: (JSON) -> Bool) throws(PluginError) {
        let hosts: [String]
        var options: Discovery.Options
        do throws(DiscoveryTargets.Failure) {
            hosts = try DiscoveryTargets.hosts(request["target"]?.string ?? "")
            options = Discovery.Options(ports: try DiscoveryTargets.ports(request["ports"]?.string ?? "502"))
        } catch {
            throw .invalid(error.description)
        }
        // A scan is of a site's network, not a sweep: at most 4,096 endpoints a call.
        let endpoints = hosts.count * options.ports.count
        guard endpoints <= ModbusDiscovery.maxEndpoints else {
            throw .invalid("target x ports: \(hosts.count) addresses x \(options.ports.count) ports = \(endpoints) endpoints; "
                + "at most \(ModbusDiscovery.maxEndpoints) a call")
        }
        if let units = request["units"]?.array {
            options.units = try units.enumerated().map { i, u throws(PluginError) in
                guard let n = u.integer, let id = UInt8(exactly: n) else { throw .invalid("units[\(i)]: not a unit id 0...255") }
                return id
            }
        }
        if let t = request["timeout_ms"]?.integer, (10...10_000).contains(t) { options.requestTimeoutMs = Int(t) }
        options.connectTimeoutMs = min(500, options.requestTimeoutMs)
        if let c = request["concurrency"]?.integer, (1...256).contains(c) { options.concurrency = Int(c) }
        // The templates a configured instance uses, else registry/devices.
        var templates: TemplateRegistry?
        if let dir = request["config"]?["templates"]?.string ?? Paths.findRegistry("registry/devices") {
            do { templates = try TemplateRegistry.load(directory: dir) } catch { throw .invalid("config.templates: \(error)") }
        }
        for f in Discovery.scan(hosts: hosts, options: options, templates: templates) where !found(f.json) { break }
    }
}
