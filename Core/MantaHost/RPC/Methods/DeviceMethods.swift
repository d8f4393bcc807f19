import MantaIO
import MantaJSON
import MantaModbus
import MantaModel
import MantaSDK

/// devices.control, devices.discover.
extension HostRuntime {
    func deviceMethods() -> [RPCMethod] {
        let state = self.state
        return [
            RPCMethod("devices.control",
                      "Sends one setpoint to a device outside the dispatch cycle: an active power (W, + = discharge) or an export limit (W), for a while; answers with what the device took, read back.",
                      params: Schemas.params([
                          ("device", ["type": "string"]),
                          ("active_power_w", ["type": "number"]),
                          ("export_limit_w", ["type": "number", "minimum": 0]),
                          ("duration_s", ["type": "integer", "minimum": 1, "maximum": 3600, "default": 300]),
                      ], required: ["device"]),
                      result: Schemas.object, mutating: true,
                      .async { [unowned self] p, _, respond in
                          guard let d = state.registry.device(id: p.string("device")!) else {
                              return respond(.failure(.notFound("no device \(p.string("device")!)")))
                          }
                          let power = p.number("active_power_w"), limit = p.number("export_limit_w")
                          guard (power == nil) != (limit == nil) else {
                              return respond(.failure(.invalidParams("give one of active_power_w and export_limit_w")))
                          }
                          let mode = power != nil ? MANTA_SETPOINT_ACTIVE_POWER : MANTA_SETPOINT_EXPORT_LIMIT
                          control(d, mode: mode, value: power ?? limit!, validForMs: Int64(p.int("duration_s", 300)) * 1000,
                                  source: "operator") { r in
                              respond(.success(.object(JSONObject([
                                  ("device", .string(d.id)), ("command_id", .int(Int64(r.commandID))), ("outcome", .string(r.outcome)),
                                  ("applied_w", .number(r.appliedValue)), ("message", .string(r.message)),
                              ]))))
                          }
                      }),
            RPCMethod("devices.discover",
                      "Scans an address or CIDR block for Modbus TCP devices (SunSpec, or a vendor template), as `manta discover` does.",
                      params: Schemas.params([
                          ("target", ["type": "string"]), ("ports", ["type": "string", "default": "502"]),
                          ("units", ["type": "array", "items": ["type": "integer", "minimum": 0, "maximum": 255]]),
                          ("timeout_ms", ["type": "integer", "minimum": 10, "maximum": 10000, "default": 1000]),
                          ("concurrency", ["type": "integer", "minimum": 1, "maximum": 256, "default": 64]),
                      ], required: ["target"]),
                      result: Schemas.objectList,
                      .async { [unowned self] p, _, respond in
                          var options: Discovery.Options
                          let hosts: [String]
                          do throws(DiscoveryTargets.Failure) {
                              hosts = try DiscoveryTargets.hosts(p.string("target")!)
                              options = Discovery.Options(ports: try DiscoveryTargets.ports(p.string("ports") ?? "502"))
                          } catch {
                              return respond(.failure(.invalidParams(error.description)))
                          }
                          if let units = p["units"]?.array { options.units = units.compactMap { $0.integer.map { UInt8($0) } } }
                          options.requestTimeoutMs = p.int("timeout_ms", 1000)
                          options.connectTimeoutMs = min(500, options.requestTimeoutMs)
                          options.concurrency = p.int("concurrency", 64)
                          let templates = discoveryTemplates(), loop = state.loop, reply = UncheckedSendable(respond), chosen = options
                          // Off the loop: a scan waits on sockets for seconds.
                          discoveryWorker.submit {
                              let found = Discovery.scan(hosts: hosts, options: chosen, templates: templates)
                              loop.execute { reply.value(.success(.array(found.map(\.json)))) }
                          }
                      }),
        ]
    }

    /// The templates manta.modbus instances use, else registry/devices near the config.
    func discoveryTemplates() -> TemplateRegistry? {
        let configured = state.config.instances.first { $0.plugin == "manta.modbus" }?.config["templates"]?.string
            .map { Paths.resolve($0, against: Paths.directory(of: state.config.path)) }
        guard let dir = configured ?? CatalogFile.find("devices", near: state.config.path) ?? Paths.findRegistry("registry/devices")
        else { return nil }
        return try? TemplateRegistry.load(directory: dir)
    }
}
