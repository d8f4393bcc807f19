import MantaJSON

/// dispatch.history.
@LoopActor
struct DispatchMethods {
    let reader: StoreReader
    let registry: DeviceRegistry
    /// The run shown unless the caller asks for another.
    let run: Int64

    var methods: [RPCMethod] {
        let reader = self.reader, registry = self.registry, currentRun = run
        return [
            .sync("dispatch.history", "Decided intervals, newest first: price, decision, commands sent and what the devices applied.",
                      params: Schemas.params([
                          ("vpp", ["type": "string"]), ("from", Schemas.time), ("to", Schemas.time),
                          ("limit", ["type": "integer", "minimum": 1, "maximum": 10_000, "default": 50]),
                          ("commands", ["type": "boolean", "default": false, "description": "include every command and its outcome"]),
                          ("run", ["type": "integer", "minimum": 0,
                                   "description": "the run (a start of mantad) to show; the current one when absent"]),
                      ]),
                      result: Schemas.objectList) { (p: HistoryQuery, _) throws(RPCError) in
                          do {
                              let rows = try reader.dispatchIntervals(
                                  run: p.run ?? currentRun, vpp: p.vpp, fromMs: p.from?.ms ?? Int64.min,
                                  toMs: p.to?.ms ?? Int64.max, limit: p.limit)
                              return .array(try rows.map { r in
                                  var o = JSONObject([("vpp", .string(r.vpp))] + timeFields("interval_end", r.intervalEndMs) + [
                                      ("price", .number(r.price)), ("strategy", .string(r.strategy)), ("status", .string(r.status)),
                                      ("reason", .string(r.reason)), ("action", .string(r.targetW < 0 ? "charge" : r.targetW > 0 ? "discharge" : "hold")),
                                      ("target_w", .number(r.targetW)), ("applied_w", .number(r.appliedW)),
                                      ("assets", .int(r.commands)), ("charging", .int(r.charging)), ("discharging", .int(r.discharging)),
                                      ("outcomes", .int(r.outcomes)), ("soc_estimated", .int(r.socEstimated)),
                                      ("decide_us", .int(r.decideMicros)),
                                      ("dispatch_us", r.dispatchMicros.map { .int($0) } ?? .null),
                                      ("applied_us", r.appliedMicros.map { .int($0) } ?? .null),
                                  ])
                                  if p.commands {
                                      o["commands"] = .array(try reader.commands(interval: r.id).map { c in
                                          [
                                              "command_id": .int(c.id),
                                              "device": .string(registry.device(number: c.device)?.id ?? "#\(c.device)"),
                                              "requested_w": .number(c.requestedW), "target_w": .number(c.targetW),
                                              "note": .string(c.note), "outcome": .optional(c.outcome),
                                              "applied_w": .number(c.appliedW), "message": .string(c.message),
                                          ]
                                      })
                                  }
                                  return .object(o)
                              })
                          } catch let e as RPCError {
                              throw e
                          } catch {
                              throw .internalError("\(error)")
                          }
                      },
        ]
    }
    struct HistoryQuery: RPCParams {
        var vpp: String?
        var from, to: RPCTime?
        var limit: Int
        var commands: Bool
        var run: Int64?
    }
}
