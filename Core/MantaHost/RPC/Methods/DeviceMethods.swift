import MantaABI
import MantaIO
import MantaJSON
import MantaModel
import MantaSDK

/// devices.control, devices.discover.
@LoopActor
struct DeviceMethods {
    let registry: DeviceRegistry
    let control: DeviceControl
    let discovery: DeviceDiscovery

    var methods: [RPCMethod] {
        let registry = self.registry, control = self.control, discovery = self.discovery
        return [
            .async("devices.control",
                      "Sends one setpoint to a device outside the dispatch cycle: an active power (W, + = discharge) or an export limit (W), for a while; answers with what the device took, read back.",
                      params: Schemas.params([
                          ("device", ["type": "string"]),
                          ("active_power_w", ["type": "number", "minimum": -1e9, "maximum": 1e9]),
                          ("export_limit_w", ["type": "number", "minimum": 0, "maximum": 1e9]),
                          ("duration_s", ["type": "integer", "minimum": 1, "maximum": 3600, "default": 300]),
                      ], required: ["device"]),
                      result: Schemas.object, mutating: true) { (p: ControlParams, _, respond) in
                          guard let d = registry.device(id: p.device) else { return respond(.failure(.notFound("no device \(p.device)"))) }
                          let mode: SetpointMode, value: Double
                          switch (p.activePowerW, p.exportLimitW) {
                          case (let w?, nil): (mode, value) = (.activePower, w)
                          case (nil, let w?): (mode, value) = (.exportLimit, w)
                          default: return respond(.failure(.invalidParams("give one of active_power_w and export_limit_w")))
                          }
                          control.send(d, mode: mode, value: value, validForMs: p.durationS * 1000,
                                       source: "operator") { r in
                              respond(.success(.object(JSONObject([
                                  ("device", .string(d.id)), ("command_id", .int(Int64(r.commandID))), ("outcome", .string(r.outcome.name)),
                                  ("applied_w", .number(r.appliedValue)), ("message", .string(r.message)),
                              ]))))
                          }
                      },
            // Its params go on to the drivers as JSON (discovery.h), so the
            // handler keeps them as the schema checked them.
            RPCMethod("devices.discover",
                      "Asks every driver that can find devices (manta.discovery/1) to scan an address or CIDR block; the Modbus drivers find SunSpec devices and those a vendor template recognises, as `manta discover` does. Answers each device with the config entry that drives it.",
                      params: DeviceDiscovery.params, result: Schemas.objectList, mutating: true,
                      .async { p, _, respond in discovery.scan(p, respond) }),
        ]
    }

    struct ControlParams: RPCParams {
        var device: String
        var activePowerW: Double?
        var exportLimitW: Double?
        var durationS: Int64
        enum CodingKeys: String, CodingKey {
            case device, activePowerW = "active_power_w", exportLimitW = "export_limit_w", durationS = "duration_s"
        }
    }
}
