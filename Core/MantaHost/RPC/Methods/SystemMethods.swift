import Glibc
import MantaIO
import MantaJSON
import MantaSDK

/// The figures host.info reports, and where each comes from.
@LoopActor
struct HostStatus {
    let config: HostConfig
    let version: String
    let clock: HostClock
    let startedWallMs: Int64
    let run: Int64
    let server: RPCServer
    let web: WebServer?
    let hub: SubscriptionHub
    let store: StorePipeline
    let ingest: TelemetryIngest
    let plugins: PluginTable
    let registry: DeviceRegistry
    let vpps: VPPSet
    let events: EventLog
    let devices: DeviceWatch
    let role: HostRole

    /// ok, degraded (running, with something missing) or failing (a
    /// configured part is not running, or the store refuses batches), and why.
    func health() -> (status: String, reasons: [String]) {
        var failing: [String] = [], degraded: [String] = []
        for (i, r) in plugins.records.enumerated() where r.enabled {
            if let refusal = r.refusal { failing.append("\(r.name): \(refusal)"); continue }
            guard let inst = plugins.instance(at: i) else { continue }
            switch inst.state {
            case .started: break
            case .failed, .hung, .stopped, .destroyed, .created:
                failing.append("\(r.name) is \(inst.state.rawValue)\(inst.lastError.isEmpty ? "" : ": \(inst.lastError)")")
            }
        }
        if store.writer.failedBatches > 0 {
            failing.append("store: \(store.writer.failedBatches) batches not stored (\(store.writer.lastFailureMessage ?? ""))")
        }
        if let since = store.writer.disconnectedSinceMs {
            degraded.append("store: \(store.writer.path) unreachable for \((WallClock.nowMs() - since) / 1000) s; "
                + "\(store.writer.pendingSamples) samples held until it is back")
        }
        for v in vpps.all {
            if let last = v.last, last.status != .ok { degraded.append("\(v.config.id): \(last.status.name): \(last.reason)") }
            if v.members.isEmpty && v.config.status == .active { degraded.append("\(v.config.id): no dispatchable members") }
        }
        let offline = registry.devices.filter { $0.enabled && devices.status($0.number)?.status == .offline }.count
        if offline > 0 { degraded.append("\(offline) of \(registry.count) devices offline") }
        degraded += role.problems
        if !failing.isEmpty { return ("failing", failing + degraded) }
        return degraded.isEmpty ? ("ok", []) : ("degraded", degraded)
    }

    func json() -> JSON {
        let health = self.health()
        let c = ingest.counters
        let writer = store.writer
        var clockInfo = JSONObject([("now_ms", .int(clock.nowMs())), ("speed", .number(clock.speed))])
        switch clock.mode {
        case .realtime: clockInfo["mode"] = "realtime"
        case .replay(let start, _):
            clockInfo["mode"] = "replay"
            clockInfo["start_ms"] = .int(start)
        }
        return .object(JSONObject([
            ("name", .string(config.name)),
            ("version", .string(version)),
            ("abi", ["major": .int(Int64(MANTA_ABI_MAJOR)), "minor": .int(Int64(MANTA_ABI_MINOR))]),
            ("pid", .int(Int64(getpid()))),
            ("config", .string(config.path)),
            ("run", .int(run)),
            ("started_ms", .int(startedWallMs)),
            ("uptime_s", .number(Double(WallClock.nowMs() - startedWallMs) / 1000)),
            ("clock", .object(clockInfo)),
            ("api", .object(apiJSON)),
            ("store", [
                "backend": .string(writer.backend.rawValue), "path": .string(writer.path),
                "connected": .bool(writer.disconnectedSinceMs == nil), "samples_committed": .int(writer.committedSamples),
                "samples_pending": .int(writer.pendingSamples + Int64(store.pendingSamples)),
                "last_commit_ms": .int(writer.lastCommitMs), "failed_batches": .int(writer.failedBatches),
                "last_failure": .optional(writer.lastFailureMessage),
            ]),
            ("telemetry", [
                "received": .int(c.received), "accepted": .int(c.accepted), "flagged": .int(c.flagged),
                "rejected": .int(c.rejected), "series": .int(ingest.latest.count),
            ]),
            ("health", ["status": .string(health.status), "reasons": .array(health.reasons.map(JSON.string))]),
            ("counts", [
                "plugins": .int(plugins.count), "devices": .int(registry.count),
                "vpps": .int(vpps.all.count), "events": .int(events.recent.count),
            ]),
        ] + role.fields))
    }
}

/// rpc.discover, host.info, host.shutdown, auth.login, events.list.
@LoopActor
struct SystemMethods {
    let dispatcher: RPCDispatcher
    let status: HostStatus
    let audit: AuditLog
    let events: EventLog
    let logins: LoginGuard
    /// Begins the host's shutdown, with the reason.
    let shutdown: @LoopActor @Sendable (String) -> Void

    var methods: [RPCMethod] {
        let dispatcher = self.dispatcher, status = self.status, audit = self.audit, events = self.events, logins = self.logins
        let shutdown = self.shutdown, version = status.version
        return [
            .sync("rpc.discover", "The OpenRPC document describing every method.", result: Schemas.object) { (_: NoParams, _) in
                OpenRPC.document(dispatcher.allMethods, version: version)
            },

            .sync("host.info", "Version, ABI, clock, store and telemetry counters.", result: Schemas.object) { (_: NoParams, _) in
                status.json()
            },

            .sync("host.shutdown", "Stops every plugin instance, flushes the store and exits.",
                  result: Schemas.object, mutating: true) { (_: NoParams, _) in
                          // After the reply has gone out (the audit commit precedes it).
                          EventLoop.shared.execute { shutdown("host.shutdown") }
                          return ["stopping": true]
                      },

            .async("auth.login", "Authorises this connection for state-changing calls with an API token. Failures back off per peer address.",
                   params: Schemas.params([("token", ["type": "string", "minLength": 1, "maxLength": 1024])], required: ["token"]),
                   result: Schemas.object) { (p: Login, session, respond) in
                if let wait = logins.wait(session.host) {
                    return respond(.failure(.unauthorized("too many failed logins from \(session.host): try again in \(wait) ms")))
                }
                let ok = dispatcher.login(session, token: p.token)
                let row: @LoopActor (String) -> AuditRow = { outcome in
                    AuditRow(tMs: WallClock.nowMs(), principal: session.principal ?? "anonymous", peer: session.peer,
                             method: "auth.login", params: "{}", outcome: outcome)
                }
                if ok {
                    logins.succeeded(session.host)
                    let principal = session.principal, role = session.role?.rawValue
                    return audit.write(row("ok")) { respond(.success(["principal": .optional(principal), "role": .optional(role)])) }
                }
                guard let note = logins.failed(session.host) else { return respond(.failure(.unauthorized("unknown token"))) }
                audit.write(row("denied: \(note)")) { respond(.failure(.unauthorized("unknown token"))) }
            },

            .sync("events.list", "Recent diagnostics: plugin failures, dispatch fallbacks, refused samples.",
                  params: Schemas.params([("limit", Schemas.limit), ("since_id", ["type": "integer", "minimum": 0, "default": 0]),
                                          ("severity", ["enum": ["info", "warning", "error"]])]),
                  result: Schemas.objectList) { (p: EventsQuery, _) in
                          let matching = events.recent.filter { $0.id > p.sinceID && (p.severity == nil || $0.severity == p.severity) }
                          return .array(matching.suffix(p.limit).map { .object($0.json) })
                      },
        ]
    }

    struct Login: RPCParams {
        var token: String
    }

    struct EventsQuery: RPCParams {
        var limit: Int
        var sinceID: Int
        var severity: Severity?
        enum CodingKeys: String, CodingKey { case limit, sinceID = "since_id", severity }
    }
}

extension HostStatus {
    /// The API's listeners and what they carry now.
    var apiJSON: JSONObject {
        var o = JSONObject([("port", .int(server.boundPort)), ("tls", .bool(config.api.tls != nil)),
                            ("connections", .int(server.connections.count)),
                            ("subscribers", .int(hub.count)), ("notifications", .int(hub.sent))])
        if let web, let http = config.api.http {
            o["http"] = .object(JSONObject([
                ("listen", .string(HostConfig.HTTP(host: http.host, port: web.boundPort).address)),
                ("tls", .bool(config.api.tls != nil)), ("connections", .int(web.connections)), ("requests", .int(web.requests)),
            ]))
        }
        return o
    }
}

extension EventLog.Event {
    /// An event as events.list and the `events` topic give it.
    var json: JSONObject {
        JSONObject([("id", .int(id))] + timeFields("t", tMs) + [
            ("severity", .string(severity.rawValue)), ("source", .string(source)),
            ("kind", .string(kind)), ("message", .string(message)),
        ])
    }
}
