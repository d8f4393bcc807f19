import Glibc
import MantaIO
import MantaJSON
import MantaSDK

/// rpc.discover, host.info, host.shutdown, auth.login, events.list.
extension HostRuntime {
    func systemMethods(_ dispatcher: RPCDispatcher) -> [RPCMethod] {
        let state = self.state
        return [
            RPCMethod("rpc.discover", "The OpenRPC document describing every method.", result: Schemas.object,
                      .sync { [unowned dispatcher] _, _ in OpenRPC.document(dispatcher.allMethods, version: state.version) }),

            RPCMethod("host.info", "Version, ABI, clock, store and telemetry counters.", result: Schemas.object,
                      .sync { [unowned self] _, _ in hostInfo() }),

            RPCMethod("host.shutdown", "Stops every plugin instance, flushes the store and exits.",
                      result: Schemas.object, mutating: true,
                      .sync { [unowned self] _, _ in
                          // After the reply has gone out (the audit commit precedes it).
                          state.loop.execute { [unowned self] in beginShutdown(reason: "host.shutdown") }
                          return ["stopping": true]
                      }),

            RPCMethod("auth.login", "Authorises this connection for state-changing calls with an API token.",
                      params: Schemas.params([("token", ["type": "string", "minLength": 1])], required: ["token"]),
                      result: Schemas.object,
                      .async { [unowned self, unowned dispatcher] p, session, respond in
                          let ok = dispatcher.login(session, token: p.string("token") ?? "")
                          audit(AuditRow(tMs: WallClock.nowMs(), principal: session.principal ?? "anonymous",
                                         peer: session.peer, method: "auth.login", params: "{}",
                                         outcome: ok ? "ok" : "denied: unknown token")) {
                              respond(ok ? .success(["principal": .optional(session.principal)])
                                         : .failure(.unauthorized("unknown token")))
                          }
                      }),

            RPCMethod("events.list", "Recent diagnostics: plugin failures, dispatch fallbacks, refused samples.",
                      params: Schemas.params([("limit", Schemas.limit), ("since_id", ["type": "integer", "default": 0]),
                                              ("severity", ["enum": ["info", "warning", "error"]])]),
                      result: Schemas.objectList,
                      .sync { p, _ in
                          let since = p.int("since_id", 0), severity = p.string("severity")
                          let matching = state.events.recent.filter { $0.id > since && (severity == nil || $0.severity == severity) }
                          return .array(matching.suffix(p.int("limit", 100)).map { e in
                              .object(JSONObject([("id", .int(e.id))] + timeFields("t", e.tMs) + [
                                  ("severity", .string(e.severity)), ("source", .string(e.source)),
                                  ("kind", .string(e.kind)), ("message", .string(e.message)),
                              ]))
                          })
                      }),
        ]
    }

    func hostInfo() -> JSON {
        let c = state.ingest.counters
        let store = pipeline.writer
        var clock = JSONObject([("now_ms", .int(state.now())), ("speed", .number(state.clock.speed))])
        switch state.clock.mode {
        case .realtime: clock["mode"] = "realtime"
        case .replay(let start, _):
            clock["mode"] = "replay"
            clock["start_ms"] = .int(start)
        }
        return .object(JSONObject([
            ("name", .string(state.config.name)),
            ("version", .string(state.version)),
            ("abi", ["major": .int(Int64(MANTA_ABI_MAJOR)), "minor": .int(Int64(MANTA_ABI_MINOR))]),
            ("pid", .int(Int64(getpid()))),
            ("config", .string(state.config.path)),
            ("started_ms", .int(state.startedWallMs)),
            ("uptime_s", .number(Double(WallClock.nowMs() - state.startedWallMs) / 1000)),
            ("clock", .object(clock)),
            ("api", ["port": .int(rpcPort), "connections": .int(rpcConnections)]),
            ("store", [
                "path": .string(store.path), "samples_committed": .int(store.committedSamples),
                "samples_pending": .int(store.pendingSamples + Int64(state.ingest.pendingCount)),
                "last_commit_ms": .int(store.lastCommitMs), "failed_batches": .int(store.failedBatches),
            ]),
            ("telemetry", [
                "received": .int(c.received), "accepted": .int(c.accepted), "flagged": .int(c.flagged),
                "rejected": .int(c.rejected), "series": .int(state.ingest.latest.count),
            ]),
            ("counts", [
                "plugins": .int(state.records.count), "devices": .int(state.registry.count),
                "vpps": .int(state.vpps.count), "events": .int(state.events.recent.count),
            ]),
        ]))
    }
}
