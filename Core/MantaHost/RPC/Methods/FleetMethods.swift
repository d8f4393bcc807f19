import MantaABI
import MantaJSON
import MantaModel

/// plugins.list, devices.list, telemetry.latest, telemetry.history.
@LoopActor
struct FleetMethods {
    let plugins: PluginTable
    let registry: DeviceRegistry
    let devices: DeviceWatch
    let vpps: VPPSet
    let ingest: TelemetryIngest
    let catalog: PointCatalog
    let reader: StoreReader
    let clock: HostClock
    /// The run telemetry.history shows by default: the current one under a
    /// replay clock (a replayed day is lived again each run), every run
    /// under the real clock (nil).
    let historyRun: Int64?

    var methods: [RPCMethod] {
        let plugins = self.plugins, registry = self.registry, health = self.devices, vppSet = self.vpps
        let ingest = self.ingest, catalog = self.catalog, reader = self.reader, clock = self.clock, historyRun = self.historyRun
        return [
            .sync("plugins.list", "Every configured plugin instance: what it is, where it came from, how it runs.",
                  result: Schemas.objectList) { (_: NoParams, _) in
                .array(plugins.records.indices.map { Self.pluginJSON(plugins, $0) })
            },
            .sync("plugins.restart",
                  "Starts a failed process-isolated instance again in a new runner (after its restarts ran out); its restart count starts again.",
                  params: Schemas.params([("instance", ["type": "string", "minLength": 1, "maxLength": 64])], required: ["instance"]),
                  result: Schemas.object, mutating: true) { (p: InstanceParam, _) throws(RPCError) in
                guard let inst = plugins.instance(named: p.instance) else { throw .notFound("no plugin instance \(p.instance)") }
                if let why = inst.restartByOperator() { throw .unavailable("\(p.instance) \(why)") }
                return ["instance": .string(p.instance), "restarting": true]
            },

            .sync("devices.list", "Devices served by the drivers, with their ratings.",
                      params: Schemas.params([
                          ("instance", ["type": "string"]), ("site", ["type": "string"]),
                          ("kind", ["enum": .array(DeviceKind.allCases.map { .string($0.name) })]),
                          ("vpp", ["type": "string"]), ("limit", Schemas.limit),
                          ("offset", ["type": "integer", "minimum": 0, "default": 0]),
                      ]),
                      result: Schemas.objectList) { (p: DeviceQuery, _) throws(RPCError) in
                          var members: Set<UInt32>?
                          if let id = p.vpp {
                              guard let v = vppSet.vpp(id) else { throw .notFound("no VPP \(id)") }
                              members = Set(v.memberNumbers)
                          }
                          let kind = p.kind.flatMap(DeviceKind.init(name:))
                          let matching = registry.devices.filter { d in
                              (p.instance.map { d.instance == $0 } ?? true) && (p.site.map { d.site == $0 } ?? true)
                                  && (kind.map { d.kind == $0 } ?? true) && (members?.contains(d.number) ?? true)
                          }
                          return .array(matching.dropFirst(p.offset).prefix(p.limit).map { d in
                              deviceJSON(d, health: health.status(d.number))
                          })
                      },

            .sync("telemetry.latest", "The newest value of each point, per device (from memory: may be ahead of the store).",
                      params: Schemas.params([("device", ["type": "string"]), ("point", ["type": "string"]),
                                              ("limit", Schemas.limit)]),
                      result: Schemas.objectList) { (p: LatestQuery, _) throws(RPCError) in
                          var devices = registry.devices
                          if let id = p.device {
                              guard let d = registry.device(id: id) else { throw .notFound("no device \(id)") }
                              devices = [d]
                          }
                          var pointID: UInt32?
                          if let name = p.point {
                              guard let def = catalog[name] else { throw .notFound("no point \(name) in the catalog") }
                              pointID = def.id
                          }
                          let now = clock.nowMs(), limit = p.limit
                          var out: [JSON] = []
                          for d in devices {
                              for e in ingest.latest.entries(device: d.number) where pointID == nil || e.point == pointID {
                                  guard out.count < limit else { break }
                                  let def = catalog[e.point]
                                  out.append(.object(JSONObject([
                                      ("device", .string(d.id)), ("point", .string(def?.name ?? "\(e.point)")),
                                      ("unit", .string(def?.unit ?? "")), ("value", .number(e.value)),
                                      ("quality", .string(e.quality.name)),
                                  ] + timeFields("t", e.timeMs) + [("age_ms", .int(now - e.timeMs))])))
                              }
                          }
                          return .array(out)
                      },

            .sync("telemetry.history", "Stored samples of one device's point (what has been committed).",
                      params: Schemas.params([("device", ["type": "string"]), ("point", ["type": "string"]),
                                              ("from", Schemas.time), ("to", Schemas.time), ("limit", Schemas.limit),
                                              ("run", ["type": "integer", "minimum": 0,
                                                       "description": "only this run's samples (default: the current run under a replay clock, every run under the real clock)"])],
                                             required: ["device", "point"]),
                      result: Schemas.objectList) { (p: HistoryQuery, _) throws(RPCError) in
                          guard let d = registry.device(id: p.device) else { throw .notFound("no device \(p.device)") }
                          guard let def = catalog[p.point] else { throw .notFound("no point \(p.point)") }
                          let rows: [Sample]
                          do {
                              rows = try reader.telemetry(device: d.number, point: def.id, run: p.run ?? historyRun,
                                                          fromMs: p.from?.ms ?? Int64.min, toMs: p.to?.ms ?? Int64.max, limit: p.limit)
                          } catch { throw .internalError("\(error)") }
                          return .array(rows.map { s in
                              .object(JSONObject(timeFields("t", s.timeMs) + [("value", .number(s.value)), ("quality", .string(s.quality.name))]))
                          })
                      },
        ]
    }

    struct InstanceParam: RPCParams {
        var instance: String
    }

    struct DeviceQuery: RPCParams {
        var instance, site, kind, vpp: String?
        var limit: Int
        var offset: Int
    }

    struct LatestQuery: RPCParams {
        var device, point: String?
        var limit: Int
    }

    struct HistoryQuery: RPCParams {
        var device, point: String
        var from, to: RPCTime?
        var limit: Int
        var run: Int64?
    }

    static func pluginJSON(_ plugins: PluginTable, _ i: Int) -> JSON {
        guard let r = plugins.record(i) else { return .null }
        var o = JSONObject([
            ("id", .string(r.pluginID)), ("instance", .string(r.name)), ("kind", .optional(r.kind?.rawValue)),
            ("version", .string(r.version)), ("path", .string(r.path)), ("vendor", .string(r.vendor)),
            ("license", .string(r.license)),
        ])
        if let inst = plugins.instance(at: i) {
            let s = inst.stats
            o["state"] = .string(inst.state.rawValue)
            o["abi"] = ["major": .int(Int64(inst.module.abiMajor)), "minor": .int(Int64(inst.module.abiMinor)),
                        "min_host_minor": .int(Int64(inst.module.minHostMinor))]
            o["calls"] = .int(s.calls)
            o["errors"] = .int(s.errors)
            o["failures"] = .int(s.failures)
            o["timeouts"] = .int(s.timeouts)
            o["last_error"] = .string(inst.lastError)
            o["isolation"] = .string(inst.isolationMode.rawValue)
            o["pid"] = inst.runnerPID.map { .int(Int64($0)) } ?? .null
            o["restarts"] = .int(inst.restarts)
            o["last_exit"] = inst.lastExit.map { .string($0) } ?? .null
        } else if r.pluginID == EdgeLinks.pluginID {
            // An edge host's driver, reached through the broker.
            o["state"] = "remote"
            o["isolation"] = "edge"
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
        ("frequency_response", .bool(d.respondsToFrequency)),
    ] + status))
}
