import DequeModule
import MantaIO
import MantaJSON
import MantaModel

/// An edge host's link to its control host, through the broker.
///
/// Telemetry: each store commit's accepted samples become one numbered
/// batch, written to the outbox in the same transaction (acknowledged means
/// committed, on the edge as anywhere), then published. A batch leaves the
/// outbox only when the control host says it has committed it (`acks`), so
/// neither a broker restart nor a control host's crash loses one; batches
/// are sent again, in order, after a reconnect, a `hello` from the control
/// host, its request, or `resendAfterMs` without progress. At most `window`
/// batches are in flight, so a control host that is away costs the broker
/// nothing past that: the rest waits here, up to `maxBytes`.
///
/// Setpoints from the control host are applied by EdgeSetpoints.
@LoopActor
final class EdgeUplink {
    struct Options: Sendable {
        var edge: String
        var fleet: String
        var broker: MQTTURL
        var keepaliveS: Int32
        var maxBytes: Int
        var window: Int
        var resendAfterMs: Int64
        var access: MQTTAccess
    }

    struct Counters: Sendable {
        var published = 0
        var resent = 0
        var droppedBatches = 0
        var droppedSamples = 0
    }

    private struct Queued {
        var seq: Int64
        var samples: Int
        var payload: [UInt8]
    }

    let options: Options
    private let registry: DeviceRegistry
    private let store: StorePipeline
    private let events: EventLog
    private let clock: HostClock
    private let pointNames: [UInt32: String]
    private let setpoints: EdgeSetpoints
    private var client: MQTTClient?
    private var timer: LoopTimer?
    /// The last batch number given; batches up to `done` are acknowledged or dropped.
    private(set) var lastSeq: Int64 = 0
    private(set) var done: Int64 = 0
    /// Committed, not yet acknowledged, oldest first.
    private var queue = Deque<Queued>()
    private var queuedBytes = 0
    /// Batches up to this one have been published since the last (re)start of sending.
    private var sentThrough: Int64 = 0
    private var lastProgressWallMs: Int64 = 0
    private var publishedDevices = -1
    private(set) var counters = Counters()
    private(set) var connected = false
    /// Why the last connection attempt or session ended; nil while connected.
    private(set) var brokerError: String?

    init(_ options: Options, registry: DeviceRegistry, catalog: PointCatalog, store: StorePipeline, setpoints: EdgeSetpoints,
         events: EventLog, clock: HostClock) {
        self.options = options
        self.registry = registry
        self.store = store
        self.setpoints = setpoints
        self.events = events
        self.clock = clock
        pointNames = Dictionary(catalog.points.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
    }

    private func topic(_ leaf: EdgeWire.Leaf) -> String { EdgeWire.topic(options.fleet, options.edge, leaf) }

    /// Takes up what the store kept: the outbox and the last batch number.
    func restore(outbox: [(seq: Int64, samples: Int, payload: String)], lastSeq stored: Int64) {
        for row in outbox { enqueue(Queued(seq: row.seq, samples: row.samples, payload: Array(row.payload.utf8))) }
        lastSeq = max(stored, outbox.last?.seq ?? 0)
        done = (outbox.first?.seq ?? lastSeq + 1) - 1
        sentThrough = done
    }

    /// Connects to the broker and starts batching each commit's samples.
    func start() throws(MQTTError) {
        let offline = EdgeWire.bytes(JSONObject([("state", "offline"), ("reason", "connection to the broker lost")]))
        let c = try MQTTClient(.init(broker: options.broker, clientID: "manta-\(options.fleet)-edge-\(options.edge)", keepaliveS: options.keepaliveS,
                                     sessionExpiryS: 86_400, will: (topic(.health), offline),
                                     subscriptions: [topic(.setpoints), topic(.acks), EdgeWire.hello(options.fleet)],
                                     access: options.access)) {
            [unowned self] event in handle(event)
        }
        client = c
        store.beforeFlush = { [unowned self] batch in cut(&batch) }
        c.start()
        let t = LoopTimer()
        t.schedule(afterMs: 1000, repeatMs: 1000) { [unowned self] in tick() }
        timer = t
    }

    /// Says goodbye (health offline, retained) and disconnects.
    func stop() {
        timer?.close()
        timer = nil
        store.beforeFlush = nil
        guard let c = client else { return }
        c.publish(topic(.health), EdgeWire.bytes(JSONObject([("state", "offline"), ("reason", "stopped")])), retain: true)
        c.stop()
        client = nil
    }

    /// What host.info shows of the uplink.
    var json: JSON {
        .object(JSONObject([
            ("id", .string(options.edge)), ("broker", .string(options.broker.description)), ("connected", .bool(connected)),
            ("broker_error", .optional(brokerError)),
            ("last_seq", .int(lastSeq)), ("acknowledged_seq", .int(done)), ("outbox_batches", .int(Int64(queue.count))),
            ("outbox_samples", .int(Int64(queue.reduce(0) { $0 + $1.samples }))), ("outbox_bytes", .int(Int64(queuedBytes))),
            ("published", .int(Int64(counters.published))), ("resent", .int(Int64(counters.resent))),
            ("dropped_batches", .int(Int64(counters.droppedBatches))), ("dropped_samples", .int(Int64(counters.droppedSamples))),
        ]))
    }

    // MARK: batches

    /// Called by the store pipeline with each batch before it is written:
    /// its samples become outbox batch `lastSeq + 1`, committed with them.
    private func cut(_ b: inout StoreBatch) {
        guard !b.samples.isEmpty else { return }
        lastSeq += 1
        let seq = lastSeq, count = b.samples.count
        let payload = EdgeWire.encode(.init(seq: seq, samples: b.samples)) { [pointNames] in pointNames[$0] }
        b.edge.outbox.append((seq, count, String(decoding: payload, as: UTF8.self)))
        b.edge.sequences.append((options.edge, seq))
        b.onCommit.append { [unowned self] error in
            EventLoop.shared.execute { [self] in committed(Queued(seq: seq, samples: count, payload: payload), error) }
        }
    }

    private func committed(_ q: Queued, _ error: StoreError?) {
        if let error {
            // Never in the outbox, so never sent: the next batch says so (prev).
            events.record(.error, source: "edge", kind: "edge.outbox", "batch \(q.seq) (\(q.samples) samples) not committed: \(error)")
            return
        }
        enqueue(q)
        pump()
    }

    private func enqueue(_ q: Queued) {
        queue.append(q)
        queuedBytes += q.payload.count
        var dropped = (batches: 0, samples: 0)
        while queuedBytes > options.maxBytes, queue.count > 1, let first = queue.popFirst() {
            queuedBytes -= first.payload.count
            done = first.seq
            dropped.batches += 1
            dropped.samples += first.samples
        }
        if dropped.batches > 0 {
            counters.droppedBatches += dropped.batches
            counters.droppedSamples += dropped.samples
            sentThrough = max(sentThrough, done)
            let through = done
            store.add { $0.edge.outboxDoneThrough = through }
            events.record(.warning, source: "edge", kind: "edge.outbox",
                          "outbox over \(options.maxBytes) bytes: dropped \(dropped.batches) oldest batches (\(dropped.samples) samples) the control host never acknowledged")
        }
    }

    /// Publishes queued batches past `sentThrough`, at most `window` ahead of the acknowledged.
    private func pump() {
        guard let c = client, connected else { return }
        for (i, q) in queue.enumerated() {
            if i >= options.window { break }
            guard q.seq > sentThrough else { continue }
            // prev: the batch before this one in the stream (a commit that
            // failed is not one); head: nothing before it will ever come.
            let prev = i == 0 ? done : queue[i - 1].seq
            var message = Array("{\"prev\":\(prev),\"head\":\(i == 0),".utf8)
            message += q.payload.dropFirst()
            guard c.publish(topic(.telemetry), message) else { return }
            sentThrough = q.seq
            counters.published += 1
        }
    }

    /// The control host has committed every batch up to `seq`.
    private func acknowledged(_ seq: Int64, resend: Bool) {
        if seq > done {
            var progressed = false
            while let first = queue.first, first.seq <= seq {
                queuedBytes -= first.payload.count
                queue.removeFirst()
                progressed = true
            }
            done = max(done, min(seq, lastSeq))
            if progressed {
                lastProgressWallMs = WallClock.nowMs()
                let through = done
                store.add { $0.edge.outboxDoneThrough = through }
            }
        }
        sentThrough = max(sentThrough, done)
        if resend { resendAll() } else { pump() }
    }

    private func resendAll() {
        if sentThrough > done { counters.resent += 1 }
        sentThrough = done
        lastProgressWallMs = WallClock.nowMs()
        pump()
    }

    // MARK: broker events

    private func handle(_ event: MQTTClient.Event) {
        switch event {
        case .connected:
            connected = true
            brokerError = nil
            events.record(.info, source: "edge", kind: "edge.connected", "connected to \(options.broker) as edge \(options.edge)")
            publishedDevices = -1
            publishState()
            resendAll()
        case .disconnected(let why):
            if connected { events.record(.warning, source: "edge", kind: "edge.disconnected", "\(options.broker): \(why)") }
            connected = false
            brokerError = why
        case .message(let t, let payload):
            let o: JSONObject
            do { o = try EdgeWire.decode(payload) } catch {
                return events.record(.warning, source: "edge", kind: "edge.message", "\(t): \(error)")
            }
            if t == EdgeWire.hello(options.fleet) {
                publishedDevices = -1
                publishState()
                return resendAll()
            }
            switch EdgeWire.parse(t, fleet: options.fleet)?.leaf {
            case .acks?:
                guard let seq = o["seq"]?.integer, seq >= 0 else { return }
                acknowledged(seq, resend: o["resend"]?.bool ?? false)
            case .setpoints?:
                setpoints.apply(o) { [weak self] outcomes in
                    guard let self, let c = client else { return }
                    c.publish(topic(.outcomes), EdgeWire.outcomesPayload(outcomes))
                }
            default:
                break
            }
        }
    }

    /// Once a second: health (retained), the device list when it changed, resends.
    private func tick() {
        guard connected else { return }
        publishState()
        if sentThrough > done, WallClock.nowMs() - lastProgressWallMs > options.resendAfterMs { resendAll() }
    }

    private func publishState() {
        guard let c = client else { return }
        if publishedDevices != registry.count {
            c.publish(topic(.devices), EdgeWire.devicesPayload(edge: options.edge, registry.devices), retain: true)
            publishedDevices = registry.count
        }
        var health = json.object ?? JSONObject()
        health["state"] = "online"
        health["t_ms"] = .int(clock.nowMs())
        health["devices"] = .int(Int64(registry.count))
        c.publish(topic(.health), EdgeWire.bytes(health), retain: true)
    }
}
