import MantaIO
import MantaJSON
import MantaModbus

/// devices.discover: a scan for Modbus TCP devices, run on a thread of its
/// own (a scan waits on sockets for seconds) and answered on the loop.
@LoopActor
final class DeviceDiscovery {
    private let config: HostConfig
    private let worker = Worker(name: "discover")

    init(config: HostConfig) {
        self.config = config
    }

    static let params: JSON = Schemas.params([
        ("target", ["type": "string"]), ("ports", ["type": "string", "default": "502"]),
        ("units", ["type": "array", "items": ["type": "integer", "minimum": 0, "maximum": 255]]),
        ("timeout_ms", ["type": "integer", "minimum": 10, "maximum": 10000, "default": 1000]),
        ("concurrency", ["type": "integer", "minimum": 1, "maximum": 256, "default": 64]),
    ], required: ["target"])

    func scan(_ p: JSONObject, _ respond: @escaping RPCRespond) {
        var options: Discovery.Options
        let hosts: [String]
        do throws(DiscoveryTargets.Failure) {
            hosts = try DiscoveryTargets.hosts(p.string("target") ?? "")
            options = Discovery.Options(ports: try DiscoveryTargets.ports(p.string("ports") ?? "502"))
        } catch {
            return respond(.failure(.invalidParams(error.description)))
        }
        if let units = p["units"]?.array { options.units = units.compactMap { $0.integer.map { UInt8($0) } } }
        options.requestTimeoutMs = p.int("timeout_ms", 1000)
        options.connectTimeoutMs = min(500, options.requestTimeoutMs)
        options.concurrency = p.int("concurrency", 64)
        let templates = discoveryTemplates(), chosen = options
        worker.submit {
            let found = Discovery.scan(hosts: hosts, options: chosen, templates: templates)
            EventLoop.shared.execute { respond(.success(.array(found.map(\.json)))) }
        }
    }

    func close() { worker.close() }

    /// The templates manta.modbus instances use, else registry/devices near the config.
    private func discoveryTemplates() -> TemplateRegistry? {
        let configured = config.instances.first { $0.plugin == "manta.modbus" }?.config["templates"]?.string
            .map { Paths.resolve($0, against: Paths.directory(of: config.path)) }
        guard let dir = configured ?? CatalogFile.find("devices", near: config.path) ?? Paths.findRegistry("registry/devices")
        else { return nil }
        return try? TemplateRegistry.load(directory: dir)
    }
}
