import MantaJSON

/// subscribe, unsubscribe: notifications pushed to this connection.
@LoopActor
struct SubscriptionMethods {
    let hub: SubscriptionHub

    static let topics: JSON = [
        "type": "array", "minItems": 1, "maxItems": 5,
        "items": ["enum": .array(Topic.allCases.map { .string($0.rawValue) })],
    ]
    static let ids: JSON = ["type": "array", "maxItems": 10_000, "items": ["type": "string", "minLength": 1, "maxLength": 256]]

    var methods: [RPCMethod] {
        let hub = self.hub
        return [
            .sync("subscribe",
                  "Follows topics on this connection (a WebSocket or the TCP API): each arrives as a notification whose method is the topic. "
                      + "telemetry is throttled (the latest value of each changed point, once per throttle_ms) and may be narrowed to devices or sites; "
                      + "dispatch (each interval decided), prices (each price filed), events, vpps (a VPP's capacity when it changes) as they happen. "
                      + "A client behind on reading misses notifications (counted in their `dropped`) rather than making the host queue them.",
                  params: Schemas.params([
                      ("topics", Self.topics), ("devices", Self.ids), ("sites", Self.ids),
                      ("throttle_ms", ["type": "integer", "minimum": 100, "maximum": 60_000, "default": 1000]),
                  ], required: ["topics"]),
                  result: Schemas.object) { (p: Subscribe, session) throws(RPCError) in
                guard session.push != nil else {
                    throw .invalidRequest("subscriptions need a connection the host can push to: a WebSocket on /ws or the TCP API (an HTTP request has none)")
                }
                let following = hub.subscribe(session, topics: Set(p.topics), devices: p.devices ?? [], sites: p.sites ?? [],
                                              throttleMs: p.throttleMs)
                return ["topics": .array(following.map { .string($0.rawValue) }), "throttle_ms": .int(Int(p.throttleMs))]
            },

            .sync("unsubscribe", "Stops topics on this connection (every topic when none is given).",
                  params: Schemas.params([("topics", Self.topics)]), result: Schemas.object) { (p: Unsubscribe, session) in
                let following = hub.unsubscribe(session, topics: p.topics.map(Set.init))
                return ["topics": .array(following.map { .string($0.rawValue) })]
            },
        ]
    }

    struct Subscribe: RPCParams {
        var topics: [Topic]
        var devices: [String]?
        var sites: [String]?
        var throttleMs: Int64

        enum CodingKeys: String, CodingKey { case topics, devices, sites, throttleMs = "throttle_ms" }
    }

    struct Unsubscribe: RPCParams {
        var topics: [Topic]?
    }
}
