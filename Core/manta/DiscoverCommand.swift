import ArgumentParser
import MantaIO
import MantaJSON
import MantaModbus
import MantaText

/// `manta discover`: find Modbus TCP devices on the LAN.
struct DiscoverCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "discover",
        abstract: "Scan addresses for Modbus TCP devices, recognise them (SunSpec or a vendor template) and print their config entries.",
        discussion: """
            TARGET is an address, a host name or a CIDR block (/16 to /32). Every port of --ports is tried \
            on every address, on a bounded number of connections at once; an address with nothing \
            listening costs one short connect timeout. On each endpoint the unit ids of --units and each \
            template's own are asked for a SunSpec map, and otherwise each vendor template's identify \
            register.

            Examples:
              manta discover 192.168.1.0/24 --ports 502,1502
              manta discover 127.0.0.1 --ports 15020-15030 --json
            """)

    @Argument(help: "An address, host name or CIDR block, e.g. 192.168.1.0/24.")
    var target: String

    @Option(help: "Ports: a list and/or ranges, e.g. 502,1502,15020-15030.")
    var ports = "502"

    @Option(help: "Unit ids to try on every endpoint (the templates' own defaults are added).")
    var units = "1,126"

    @Option(name: .customLong("connect-timeout-ms"), help: "Per connection attempt.")
    var connectTimeoutMs = 500

    @Option(name: .customLong("timeout-ms"), help: "Per request.")
    var timeoutMs = 1000

    @Option(help: "Endpoints probed at once.")
    var concurrency = 64

    @Option(help: "The device templates folder (default: registry/devices above here).")
    var templates: String?

    @Flag(help: "Print a JSON array.")
    var json = false

    func run() throws {
        let hosts: [String]
        var options: Discovery.Options
        do {
            hosts = try DiscoveryTargets.hosts(target)
            options = Discovery.Options(ports: try DiscoveryTargets.ports(ports))
        } catch {
            throw ValidationError(error.description)
        }
        options.units = try units.split(separator: ",").map { u in
            guard let n = UInt8(u.trimmed) else { throw ValidationError("--units: \(u) is not a unit id 0...255") }
            return n
        }
        options.connectTimeoutMs = connectTimeoutMs
        options.requestTimeoutMs = timeoutMs
        options.concurrency = concurrency
        var registry: TemplateRegistry?
        if let dir = templates ?? Paths.findRegistry("registry/devices") {
            do { registry = try TemplateRegistry.load(directory: dir) } catch {
                printError("manta discover: \(error)")
                throw ExitCode(1)
            }
        }
        let found = Discovery.scan(hosts: hosts, options: options, templates: registry)
        if json {
            print(JSON.array(found.map(\.json)).pretty())
            return
        }
        let endpoints = hosts.count * options.ports.count
        print("Scanned \(endpoints) endpoint\(endpoints == 1 ? "" : "s") (\(hosts.count) address\(hosts.count == 1 ? "" : "es") x \(options.ports.count) port\(options.ports.count == 1 ? "" : "s")): \(found.count) device\(found.count == 1 ? "" : "s")")
        for f in found {
            print("")
            print("  \(f.host):\(f.port) unit \(f.unitID)  \(f.manufacturer) \(f.model)  serial \(f.serial)")
            print("  kind \(f.kind), template \(f.template)\(f.models.isEmpty ? "" : ", SunSpec models \(f.models.map(String.init).joined(separator: " "))")")
            print("  \(f.plugin) device entry: \(f.configEntry.serialized())")
        }
    }
}
