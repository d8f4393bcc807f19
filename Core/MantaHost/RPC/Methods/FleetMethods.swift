import MantaJSON
import MantaModel

/// plugins.list, devices.list, vpps.list, telemetry.latest, telemetry.history.
extension HostRuntime {
    func fleetMethods() -> [RPCMethod] {
        let state = self.state
        return [
            RPCMethod("plugins.list", "Every configured plugin instance: what it is, where it came from, how it runs.",
                      result: Schemas.objectList, .sync { [unowned self] _, _ in .array(state.records.indices.map { pluginJSON($0) }) }),

            RPCMethod("devices.list", "Devices served by the drivers, with their ratings.",
                      params: Schemas.params([
                          ("instance", ["type": "string"]), ("site", ["type": "string"]),
                          ("kind", ["enum": .array(DeviceKind.allCases.map { .string($0.name) })]),
                          ("vpp", ["type": "string"]), ("limit", Schemas.limit), ("offset", ["type": "integer", "minimum": 0, "default": 0]),
                      ]),
                      result: Schemas.objectList,
                      .sync { p, _ throws(RPCError) in
                          var members: Set<UInt32>?
                          if let id = p.string("vpp") {
                              guard let v = state.vpps.first(where: { $0.config.id == id }) else { throw .notFound("no VPP \(id)") }
                              members = Set(v.members)
                          }
                          let kind = p.string("kind").flatMap(DeviceKind.init(name:))
                          let matching = state.registry.devices.filter { d in
                              (p.string("instance").map { d.instance == $0 } ?? true)
                                  && (p.string("site").map { d.site == $0 } ?? true)
                                  && (kind.map { d.kind == $0 } ?? true) && (members?.contains(d.number) ?? true)
                          }
                          return .array(matching.dropFirst(p.int("offset", 0)).prefix(p.int("limit", 100)).map { d in
                              deviceJSON(d, health: state.health.status(d.number))
                          })
                      }),

            RPCMethod("vpps.list", "Virtual power plants: members, market, strategy and the last interval decided.",
                      result: Schemas.objectList,
                      .sync { _, _ in
                          .array(state.vpps.map { v in
                              var o = JSONObject([
                                  ("id", .string(v.config.id)), ("region", .string(v.config.region.code)),
                                  ("market", .string(v.config.market)), ("strategy", .string(v.dispatchingName)),
                                  ("members", .int(v.members.count)),
                              ])
                              if let s = v.last {
                                  o["last"] = .object(JSONObject(timeFields("interval_end", s.intervalEndMs) + [
                                      ("price", .number(s.price)), ("status", .string(s.status)), ("reason", .string(s.reason)),
                                      ("target_w", .number(s.targetW)), ("charging", .int(s.charging)),
                                      ("discharging", .int(s.discharging)), ("holding", .int(s.holding)),
                                  ]))
                              }
                              return .object(o)
                          })
                      }),

            RPCMethod("telemetry.latest", "The newest value of each point, per device (from memory: may be ahead of the store).",
                      params: Schemas.params([("device", ["type": "string"]), ("point", ["type": "string"]),
                                              ("limit", Schemas.limit)]),
                      result: Schemas.objectList,
                      .sync { p, _ throws(RPCError) in
                          var devices = state.registry.devices
                          if let id = p.string("device") {
                              guard let d = state.registry.device(id: id) else { throw .notFound("no device \(id)") }
                              devices = [d]
                          }
                          var pointID: UInt32?
                          if let name = p.string("point") {
                              guard let def = state.catalog[name] else { throw .notFound("no point \(name) in the catalog") }
                              pointID = def.id
                          }
                          let now = state.now(), limit = p.int("limit", 100)
                          var out: [JSON] = []
                          for d in devices {
                              for e in state.ingest.latest.entries(device: d.number) where pointID == nil || e.point == pointID {
                                  guard out.count < limit else { break }
                                  let def = state.catalog[e.point]
                                  out.append(.object(JSONObject([
                                      ("device", .string(d.id)), ("point", .string(def?.name ?? "\(e.point)")),
                                      ("unit", .string(def?.unit ?? "")), ("value", .number(e.value)),
                                      ("quality", .string(e.quality.name)),
                                  ] + timeFields("t", e.timeMs) + [("age_ms", .int(now - e.timeMs))])))
                              }
                          }
                          return .array(out)
                      }),

            RPCMethod("telemetry.history", "Stored samples of one device's point (what has been committed).",
                      params: Schemas.params([("device", ["type": "string"]), ("point", ["type": "string"]),
                                              ("from", Schemas.time), ("to", Schemas.time), ("limit", Schemas.limit)],
                                             required: ["device", "point"]),
                      result: Schemas.objectList,
                      .sync { p, _ throws(RPCError) in
                          guard let d = state.registry.device(id: p.string("device")!) else { throw .notFound("no device \(p.string("device")!)") }
                          guard let def = state.catalog[p.string("point")!] else { throw .notFound("no point \(p.string("point")!)") }
                          let rows: [Sample]
                          do {
                              rows = try state.reader.telemetry(device: d.number, point: def.id, fromMs: try p.time("from") ?? Int64.min,
                                                                toMs: try p.time("to") ?? Int64.max, limit: p.int("limit", 100))
                          } catch let e as RPCError { throw e } catch { throw .internalError("\(error)") }
                          return .array(rows.map { s in
                              .object(JSONObject(timeFields("t", s.timeMs) + [("value", .number(s.value)), ("quality", .string(s.quality.name))]))
                          })
                      }),
        ]
    }

    func pluginJSON(_ i: Int) -> JSON {
        let r = state.records[i]
        var o = JSONObject([
            ("id", .string(r.pluginID)), ("instance", .string(r.name)), ("kind", .optional(r.kind?.rawValue)),
            ("version", .string(r.version)), ("path", .string(r.path)), ("vendor", .string(r.vendor)),
            ("license", .string(r.license)),
        ])
        if let inst = state.instances[i] {
            let s = inst.stats
            o["state"] = .string(inst.state.rawValue)
            o["abi"] = ["major": .int(Int64(inst.module.abiMajor)), "minor": .int(Int64(inst.module.abiMinor)),
                        "min_host_minor": .int(Int64(inst.module.minHostMinor))]
            o["calls"] = .int(s.calls)
            o["errors"] = .int(s.errors)
            o["failures"] = .int(s.failures)
            o["timeouts"] = .int(s.timeouts)
            o["last_error"] = .string(inst.lastError)
        } else {
            o["state"] = r.enabled ? "failed" : "disabled"
            o["last_error"] = .string(r.refusal ?? "")
        }
        return .object(o)
    }
}

func deviceJSON(_ d: DeviceDescriptor, health: DeviceHealth.Entry?) -> JSON {
    let r = d.ratings
    let status: [(String, JSON)] = [("status", .string(health?.status.rawValue ?? "unknown")),
                                    ("status_reason", .string(health?.reason ?? ""))]
        + (health.map { timeFields("status_since", $0.sinceMs) } ?? [])
    return .object(JSONObject([
        ("id", .string(d.id)), ("number", .int(Int64(d.number))), ("instance", .string(d.instance)),
        ("key", .string(d.key)), ("kind", .string(d.kind.name)), ("site", .string(d.site)),
        ("manufacturer", .string(d.manufacturer)), ("model", .string(d.model)), ("serial", .string(d.serial)),
        ("ratings", [
            "rated_power_w": .number(r.ratedPowerW), "max_charge_w": .number(r.maxChargeW),
            "max_discharge_w": .number(r.maxDischargeW), "capacity_wh": .number(r.capacityWh),
            "soc_min": .number(r.socMin), "soc_max": .number(r.socMax),
            "round_trip_efficiency": .number(r.roundTripEfficiency),
        ]),
        ("controllable", .bool(d.controllable)), ("read_only", .bool(d.readOnly)), ("enabled", .bool(d.enabled)),
    ] + status))
}
