import DequeModule
import MantaABI
import MantaIO
import MantaJSON
import MantaModel
import MantaSDK

/// A control host's view of its edges, through the broker.
///
/// Each edge driver instance becomes a driver here, `<edge>/<instance>` (a
/// plugin-table row with no code behind it, plugin id `manta.edge`), whose
/// devices enrol like any driver's: `devices.list`, telemetry, VPP
/// membership by site pattern and dispatch see them as local. Setpoints for
/// them go out through the broker (EdgeDriver).
///
/// Telemetry batches are taken strictly in order per edge: a batch is
/// ingested only when it follows the last one taken (`prev`) or the edge
/// says nothing comes before it (`head`); a repeat is dropped and counted, a
/// gap is dropped and the edge asked to send again. The last batch taken is
/// stored with the batch's samples, and acknowledged to the edge once that
/// commit is done: only then may the edge forget it.
@LoopActor
final class EdgeLinks {
    static let pluginID = "manta.edge"

    struct Options: Sendable {
        var fleet: String
        var broker: MQTTURL
        var keepaliveS: Int32
        var offlineAfterMs: Int64
        var clientID: String
        var access: MQTTAccess
        /// An edge that does not answer a setpoint message within this is a failure.
        var answerTimeoutMs: Int64 = 10_000
    }

    let options: Options
    let wiring: Wiring
    private(set) var links: [String: EdgeLink] = [:]
    private var client: MQTTClient?
    private var timer: LoopTimer?
    private var flushing = false
    private(set) var connected = false
    /// Why the last connection attempt or session ended; nil while connected.
    private(set) var brokerError: String?
    let pending = EdgeAnswers()

    /// What the links feed: the same services a local driver's devices and samples reach.
    struct Wiring {
        var plugins: PluginTable
        var registry: DeviceRegistry
        var enrolment: DeviceEnrolment
        var devices: DeviceWatch
        var ingest: TelemetryIngest
        var catalog: PointCatalog
        var vpps: VPPSet
        var sites: [HostConfig.Site]
        var routes: SetpointRoutes
        var store: StorePipeline
        var events: EventLog
        var clock: HostClock
    }

    init(_ options: Options, wiring: Wiring) {
        self.options = options
        self.wiring = wiring
    }

    /// Takes up the last batch committed from each edge.
    func restore(_ sequences: [String: Int64]) {
        for (edge, seq) in sequences where EdgeWire.validSegment(edge) { link(edge).committed = seq }
        for l in links.values {
            l.accepted = l.committed
            l.ingested = l.committed
        }
    }

    func start() throws(MQTTError) {
        let f = options.fleet
        let c = try MQTTClient(.init(broker: options.broker, clientID: options.clientID, keepaliveS: options.keepaliveS,
                                     sessionExpiryS: 86_400, will: nil,
                                     subscriptions: EdgeWire.Leaf.allCases.filter { ![.setpoints, .acks].contains($0) }
                                         .map { "manta/\(f)/+/\($0.rawValue)" },
                                     access: options.access)) { [unowned self] event in handle(event) }
        client = c
        c.start()
        let t = LoopTimer()
        t.schedule(afterMs: 500, repeatMs: 500) { [unowned self] in tick() }
        timer = t
    }

    func stop() {
        timer?.close()
        timer = nil
        pending.failAll("the control host is stopping")
        client?.stop()
        client = nil
    }

    func publish(_ edge: String, _ leaf: EdgeWire.Leaf, _ payload: [UInt8]) -> Bool {
        client?.publish(EdgeWire.topic(options.fleet, edge, leaf), payload) ?? false
    }

    private func link(_ id: String) -> EdgeLink {
        if let l = links[id] { return l }
        let l = EdgeLink(id: id)
        links[id] = l
        return l
    }

    /// host.info's `edges`, by id.
    var json: JSON { .array(links.keys.sorted().compactMap { links[$0]?.json(nowWallMs: WallClock.nowMs()) }) }

    // MARK: broker events

    private func handle(_ event: MQTTClient.Event) {
        switch event {
        case .connected:
            connected = true
            brokerError = nil
            wiring.events.record(.info, source: "control", kind: "edge.connected", "connected to \(options.broker)")
            // Every edge sends again what it holds past what is committed here.
            _ = client?.publish(EdgeWire.hello(options.fleet), EdgeWire.bytes(JSONObject([("t_ms", .int(wiring.clock.nowMs()))])))
        case .disconnected(let why):
            if connected { wiring.events.record(.warning, source: "control", kind: "edge.disconnected", "\(options.broker): \(why)") }
            connected = false
            brokerError = why
        case .message(let topic, let payload):
            guard let (edge, leaf) = EdgeWire.parse(topic, fleet: options.fleet), EdgeWire.validSegment(edge), edge != "control" else { return }
            let o: JSONObject
            do { o = try EdgeWire.decode(payload) } catch {
                return wiring.events.record(.warning, source: "edge:\(edge)", kind: "edge.message", "\(leaf.rawValue): \(error)")
            }
            let l = link(edge)
            l.lastSeenWallMs = WallClock.nowMs()
            do throws(WireError) {
                switch leaf {
                case .devices:
                    // Sent again on every reconnect and hello: enrol only what changed.
                    var hasher = Hasher()
                    payload.withUnsafeBytes { hasher.combine(bytes: $0) }
                    let digest = hasher.finalize()
                    if digest != l.devicesDigest {
                        try enrol(l, EdgeWire.devices(o))
                        l.devicesDigest = digest
                    }
                case .health: health(l, o)
                case .telemetry: try take(l, o)
                case .outcomes: pending.answer(try EdgeWire.outcomes(o))
                case .setpoints, .acks: break
                }
            } catch {
                wiring.events.record(.warning, source: "edge:\(edge)", kind: "edge.message", "\(leaf.rawValue): \(error)")
            }
            // Live traffic says the edge is up; a retained devices message may be a dead edge's.
            if leaf == .telemetry || leaf == .outcomes, l.state != .online { setState(l, .online, "") }
        }
    }

    private func health(_ l: EdgeLink, _ o: JSONObject) {
        l.health = o
        if o["state"]?.string == "offline" {
            setState(l, .offline, o["reason"]?.string ?? "the edge says it is offline")
        } else {
            setState(l, .online, "")
        }
    }

    /// The edge's devices, enrolled as those of drivers `<edge>/<instance>`.
    private func enrol(_ l: EdgeLink, _ remote: [EdgeWire.RemoteDevice]) {
        var byInstance: [String: [EdgeWire.RemoteDevice]] = [:]
        for d in remote { byInstance[d.instance, default: []].append(d) }
        for (instance, list) in byInstance.sorted(by: { $0.key < $1.key }) {
            let name = "\(l.id)/\(instance)"
            let index = wiring.plugins.index(of: name) ?? wiring.plugins.append(InstanceRecord(
                name: name, pluginID: Self.pluginID, kind: .driver, version: "", path: options.broker.description,
                vendor: "", license: "", enabled: true, refusal: nil, config: nil))
            if l.drivers[instance] == nil {
                let driver = EdgeDriver(edge: l.id, instance: instance, index: index, links: self)
                l.drivers[instance] = driver
                wiring.routes.add(name, driver)
            }
            // The control host numbers a driver's devices by their order here.
            let ordered = list.sorted { $0.index < $1.index }
            _ = wiring.enrolment.enrol(ordered.map { .success($0.info) }, instance: name, index: index)
            for (k, d) in ordered.enumerated() { l.devices[d.number] = (index, UInt32(k)) }
        }
        l.deviceCount = l.devices.count
        wiring.vpps.refreshMembers(registry: wiring.registry, sites: wiring.sites, events: wiring.events)
        if l.state == .offline { markDevices(l, online: false) }
    }

    /// A telemetry batch: taken in order, or dropped as a repeat or after a gap.
    private func take(_ l: EdgeLink, _ o: JSONObject) throws(WireError) {
        let batch = try EdgeWire.batch(o)
        guard let prev = o["prev"]?.integer, prev >= 0, prev < batch.seq else { throw WireError("prev: expected 0 <= prev < seq") }
        let head = o["head"]?.bool ?? false
        if batch.seq <= l.accepted {
            l.counters.duplicates += 1
            return
        }
        guard prev == l.accepted || head else {
            l.counters.gaps += 1
            l.askResend = true
            return
        }
        var samples: [Int: [manta_sample_t]] = [:]
        for s in batch.samples {
            guard let (instance, index) = l.devices[s.device] else {
                // Its devices message has not come yet: take the batch when it has.
                l.counters.gaps += 1
                l.askResend = true
                return
            }
            let point = wiring.catalog[s.point]?.id ?? 0
            samples[instance, default: []].append(manta_sample_t(device: index, point: point, time_ms: s.timeMs, value: s.value,
                                                                 quality: s.quality.rawValue, reserved: 0))
        }
        if head, prev > l.accepted { l.counters.lostBatches += Int(prev - l.accepted) }
        for (instance, list) in samples.sorted(by: { $0.key < $1.key }) {
            let name = wiring.plugins.record(instance)?.name ?? l.id
            for start in stride(from: 0, to: list.count, by: Self.samplesPerTurn) {
                intake.append(.samples(instance, name, Array(list[start..<min(list.count, start + Self.samplesPerTurn)])))
            }
        }
        intake.append(.done(l, batch.seq))
        l.accepted = batch.seq
        l.counters.batches += 1
        l.counters.samples += batch.samples.count
        if !draining {
            draining = true
            drain()
        }
    }

    /// Samples taken in per loop turn, as local ingest does (PluginCallbacks):
    /// a 12,500-home batch delays a setpoint or an API call by one slice, not by all of it.
    static let samplesPerTurn = PluginCallbacks.samplesPerTurn

    /// Batches being taken in, in order: their samples in slices, then a
    /// mark that the batch is all in (its number stored with the last slice).
    private enum Intake {
        case samples(Int, String, [manta_sample_t])
        case done(EdgeLink, Int64)
    }

    private var intake = Deque<Intake>()
    private var draining = false

    private func drain() {
        var budget = Self.samplesPerTurn
        while budget > 0, let work = intake.popFirst() {
            switch work {
            case .samples(let instance, let name, let list):
                wiring.ingest.ingest(instance: instance, name: name, list[...], nowMs: wiring.clock.nowMs())
                budget -= list.count
            case .done(let l, let seq):
                l.ingested = seq
                let edge = l.id
                wiring.store.add { $0.edge.sequences.append((edge, seq)) }
            }
        }
        if intake.isEmpty {
            draining = false
        } else {
            EventLoop.shared.execute { [weak self] in self?.drain() }
        }
    }

    private func setState(_ l: EdgeLink, _ state: EdgeLink.State, _ reason: String) {
        guard l.state != state || l.reason != reason else { return }
        let was = l.state
        l.state = state
        l.reason = reason
        l.sinceWallMs = WallClock.nowMs()
        let severity: Severity = state == .online ? .info : .warning
        wiring.events.record(severity, source: "edge:\(l.id)", kind: "edge.\(state.rawValue)",
                             "\(was.rawValue) -> \(state.rawValue)\(reason.isEmpty ? "" : ": \(reason)") (\(l.deviceCount) devices)")
        markDevices(l, online: state == .online)
        if state == .offline { pending.fail(edge: l.id, "edge \(l.id) went offline: \(reason)") }
    }

    private func markDevices(_ l: EdgeLink, online: Bool) {
        let why = online ? "" : "edge \(l.id) offline: \(l.reason)"
        for (instance, index) in l.devices.values { wiring.devices.setLink(instance: instance, device: index, online: online, reason: why) }
    }

    /// Twice a second: liveness, acknowledgements, resend requests, answers overdue.
    private func tick() {
        let now = WallClock.nowMs()
        for l in links.values where l.state == .online && now - l.lastSeenWallMs > options.offlineAfterMs {
            setState(l, .offline, "no message for more than \(options.offlineAfterMs / 1000) s")
        }
        pending.expire(olderThanMs: options.answerTimeoutMs)
        for l in links.values where l.askResend {
            l.askResend = false
            _ = publish(l.id, .acks, EdgeWire.bytes(JSONObject([("seq", .int(l.committed)), ("resend", true)])))
        }
        // Acknowledge what the store has committed: flush, then tell each edge.
        guard !flushing, links.values.contains(where: { $0.ingested > $0.committed }) else { return }
        flushing = true
        let marks = links.mapValues(\.ingested)
        wiring.store.flush { [weak self] error in
            guard let self else { return }
            flushing = false
            guard error == nil else { return }
            for (edge, seq) in marks {
                guard let l = links[edge], seq > l.committed else { continue }
                l.committed = seq
                _ = publish(edge, .acks, EdgeWire.bytes(JSONObject([("seq", .int(seq))])))
            }
        }
    }
}
