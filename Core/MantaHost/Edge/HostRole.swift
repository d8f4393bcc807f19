import MantaIO
import MantaJSON
import MantaModel

/// The services a host's `role` adds: none on a single host; the uplink on
/// an edge; the edge links on a control host. Built with the host, started
/// last in `serve` (after the store's state is read), stopped first.
@LoopActor
final class HostRole {
    let role: HostConfig.Role
    let uplink: EdgeUplink?
    let links: EdgeLinks?

    /// What either side needs of the host.
    struct Parts {
        var config: HostConfig
        var catalog: PointCatalog
        var plugins: PluginTable
        var registry: DeviceRegistry
        var enrolment: DeviceEnrolment
        var devices: DeviceWatch
        var ingest: TelemetryIngest
        var vpps: VPPSet
        var routes: SetpointRoutes
        var setpoints: FleetSetpoints
        var ids: DispatchIDs
        var store: StorePipeline
        var events: EventLog
        var clock: HostClock
    }

    init(_ p: Parts) {
        let c = p.config
        role = c.role
        // roleProblems() has checked the URL for every role that uses it.
        let broker = (try? MQTTURL.parse(c.mqtt.url).get()) ?? MQTTURL(host: "127.0.0.1", port: 1883)
        let access = c.brokerAccess().access
        let keepalive = Int32(c.mqtt.keepaliveS)
        switch c.role {
        case .single:
            uplink = nil
            links = nil
        case .edge:
            let setpoints = EdgeSetpoints(registry: p.registry, drivers: p.routes, held: p.setpoints, ids: p.ids, store: p.store,
                                          events: p.events, clock: p.clock)
            uplink = EdgeUplink(.init(edge: c.edgeID, fleet: c.mqtt.fleet, broker: broker, keepaliveS: keepalive,
                                      maxBytes: c.edge.outboxMaxBytes, window: c.edge.window, resendAfterMs: c.edge.resendAfterMs,
                                      access: access),
                                registry: p.registry, catalog: p.catalog, store: p.store, setpoints: setpoints, events: p.events,
                                clock: p.clock)
            links = nil
        case .control:
            uplink = nil
            links = EdgeLinks(.init(fleet: c.mqtt.fleet, broker: broker, keepaliveS: keepalive,
                                    offlineAfterMs: c.mqtt.edgeOfflineAfterMs, clientID: "manta-\(c.mqtt.fleet)-control-\(c.name)",
                                    access: access),
                              wiring: .init(plugins: p.plugins, registry: p.registry, enrolment: p.enrolment, devices: p.devices,
                                            ingest: p.ingest, catalog: p.catalog, vpps: p.vpps, sites: c.sites, routes: p.routes,
                                            store: p.store, events: p.events, clock: p.clock))
        }
    }

    /// Takes up the store's outbox or batch numbers, then connects.
    func start(reader: StoreReader) throws(BootError) {
        do {
            if let uplink {
                uplink.restore(outbox: try reader.edgeOutbox(), lastSeq: try reader.edgeSequences()[uplink.options.edge] ?? 0)
                try uplink.start()
            }
            if let links {
                links.restore(try reader.edgeSequences())
                try links.start()
            }
        } catch let e as StoreError {
            throw BootError("store: \(e)")
        } catch {
            throw BootError("mqtt: \(error)")
        }
    }

    func stop() {
        uplink?.stop()
        links?.stop()
    }

    /// host.info's role fields: `role`, and `edge` (an edge's uplink) or `edges`.
    var fields: [(String, JSON)] {
        var out: [(String, JSON)] = [("role", .string(role.rawValue))]
        if let uplink { out.append(("edge", uplink.json)) }
        if let links {
            out.append(("broker", ["url": .string(links.options.broker.description), "connected": .bool(links.connected),
                                   "username": .optional(links.options.access.username), "error": .optional(links.brokerError)]))
            out.append(("edges", links.json))
        }
        return out
    }

    /// What makes the host degraded: no broker, edges offline.
    var problems: [String] {
        if let uplink, !uplink.connected { return ["edge: not connected to \(uplink.options.broker)"] }
        guard let links else { return [] }
        var out = links.connected ? [] : ["control: not connected to \(links.options.broker)"]
        for l in links.links.values.sorted(by: { $0.id < $1.id }) where l.state == .offline {
            out.append("edge \(l.id) offline: \(l.reason)")
        }
        return out
    }
}
