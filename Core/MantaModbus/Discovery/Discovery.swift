import MantaIO
import Synchronization

/// Finds Modbus TCP devices: connects to every (host, port), looks for a
/// SunSpec map on each candidate unit id, else asks each vendor template's
/// identify register, and reads who the device is. Connections run on a
/// bounded number of threads, each with short timeouts, so a host that is
/// not there costs one connect timeout (and a refused port almost nothing).
public enum Discovery {
    public struct Options: Sendable {
        public var ports: [Int]
        /// Unit ids tried on every endpoint (the templates' own defaults are added).
        public var units: [UInt8] = [1, 126]
        public var connectTimeoutMs = 500
        public var requestTimeoutMs = 1000
        public var concurrency = 64

        public init(ports: [Int]) { self.ports = ports }
    }

    /// One device found.
    public struct Found: Sendable, Equatable {
        public var host: String
        public var port: Int
        public var unitID: UInt8
        public var manufacturer: String
        public var model: String
        public var serial: String
        /// A catalog device kind name.
        public var kind: String
        /// "sunspec", or the id of the template that recognised it.
        public var template: String
        /// For SunSpec devices: the models in the chain.
        public var models: [UInt16]
        /// For a SunSpec meter: which meter of the chain (0 = first); nil otherwise.
        public var meterIndex: Int?

        /// The driver plugin to serve it with.
        public var plugin: String { template == "sunspec" ? "manta.sunspec" : "manta.modbus" }
    }

    /// Scans every host of `hosts` on every port of `options`.
    public static func scan(hosts: [String], options: Options, templates: TemplateRegistry?) -> [Found] {
        let endpoints = hosts.flatMap { h in options.ports.map { (h, $0) } }
        let found = Mutex<[Int: [Found]]>([:])
        let pool = Worker(name: "discover", threads: min(max(1, options.concurrency), max(1, endpoints.count)))
        for (i, (host, port)) in endpoints.enumerated() {
            pool.submit {
                let here = probe(host: host, port: port, options: options, templates: templates)
                if !here.isEmpty { found.withLock { $0[i] = here } }
            }
        }
        pool.join()
        return found.withLock { r in r.keys.sorted().flatMap { r[$0]! } }
    }

    /// Everything on one endpoint.
    public static func probe(host: String, port: Int, options: Options, templates: TemplateRegistry?) -> [Found] {
        let client = ModbusClient(host: host, port: port,
                                  timeouts: .init(connectMs: options.connectTimeoutMs, requestMs: options.requestTimeoutMs))
        defer { client.close() }
        do { try client.connect() } catch { return [] }
        var units = options.units
        for t in templates?.templates ?? [] where !units.contains(t.unitID) { units.append(t.unitID) }
        var out: [Found] = []
        for unit in units {
            if let sunspec = sunspec(client, host: host, port: port, unit: unit, templates: templates) {
                out += sunspec
                continue
            }
            for t in templates?.templates ?? [] where t.protocol == .modbus && t.unitID == unit {
                guard (try? TemplateDevice.matches(t, client, unit: unit).0) == true else { continue }
                let device = TemplateDevice(t)
                guard let (identity, _) = try? device.attach(client, unit: unit) else { continue }
                out.append(Found(host: host, port: port, unitID: unit, manufacturer: identity.manufacturer, model: identity.model,
                                 serial: identity.serial, kind: t.kind, template: t.id, models: [], meterIndex: nil))
                break
            }
            if !client.isConnected { try? client.connect() }
        }
        return out
    }

    /// The SunSpec devices on `unit`: its inverter side, and each meter.
    static func sunspec(_ client: ModbusClient, host: String, port: Int, unit: UInt8, templates: TemplateRegistry?) -> [Found]? {
        guard let map = try? SunSpecMap.scan(client, unit: unit), let e = map.first(of: [1]),
              let common = try? SunSpecBlock.read(client, unit: unit, entry: e) else { return nil }
        let manufacturer = common.string("Mn") ?? "", model = common.string("Md") ?? "", serial = common.string("SN") ?? ""
        let template = templates?.sunspecProfile(manufacturer: manufacturer)?.id ?? "sunspec"
        var out: [Found] = []
        let meters = map.models.filter { SunSpecProfile.meterModels.contains($0.id) }
        if !SunSpecProfile.entries(map, role: .inverter).isEmpty || meters.isEmpty {
            out.append(Found(host: host, port: port, unitID: unit, manufacturer: manufacturer, model: model, serial: serial,
                             kind: SunSpecDevice.kind(of: SunSpecMap(base: map.base, models: map.models.filter { !meters.contains($0) })),
                             template: template, models: map.ids, meterIndex: nil))
        }
        for (i, _) in meters.enumerated() {
            out.append(Found(host: host, port: port, unitID: unit, manufacturer: manufacturer, model: model, serial: serial,
                             kind: "meter", template: template, models: map.ids, meterIndex: i))
        }
        return out
    }
}
