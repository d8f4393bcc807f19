import MantaIO
import MantaJSON
import MantaModel

/// What `subscribe` can follow; each is also the method name of its
/// notifications.
enum Topic: String, CaseIterable, Sendable, Decodable {
    case telemetry, dispatch, prices, events, vpps
}

/// Pushes what happens in the host to the sessions that subscribed, as
/// JSON-RPC notifications whose method is the topic.
///
/// Nothing is built for a topic nobody follows. Telemetry is coalesced: a
/// subscriber gets at most one `telemetry` notification per throttle
/// period, holding the latest value of each point that changed since the
/// last one. A subscriber behind on reading (its transport refuses the
/// push) costs nothing more: its telemetry keeps coalescing until it
/// catches up (intermediate values are lost, the latest never), and other
/// notifications are dropped and counted (`dropped` in each notification).
@LoopActor
final class SubscriptionHub {
    private final class Subscriber {
        weak var session: RPCSession?
        var topics: Set<Topic> = []
        var devices: Set<String> = []
        var sites: Set<String> = []
        var throttleMs: Int64 = 1000
        var lastFlushMs: Int64 = 0
        /// device id -> point -> (value, host ms): the latest not yet sent.
        var pending: [String: [String: (Double, Int64)]] = [:]
        var dropped = 0

        init(_ session: RPCSession) { self.session = session }

        func follows(_ d: DeviceDescriptor) -> Bool {
            (devices.isEmpty && sites.isEmpty) || devices.contains(d.id) || sites.contains(d.site)
        }
    }

    /// Unread bytes above which a subscriber gets no more notifications
    /// until it catches up. Telemetry (coalesced, so nothing but
    /// intermediate values is lost) stops well before the rest, so that a
    /// client taking in a large fleet's telemetry as fast as it can still
    /// gets every decision and event.
    static let telemetryHighWater = 256 << 10
    static let highWater = 1 << 20

    /// How often telemetry is flushed and `vpps` checked for changes (wall ms).
    static let tickMs: UInt64 = 100
    static let capacityEveryMs: Int64 = 2000

    private let registry: DeviceRegistry
    private let catalog: PointCatalog
    private var subscribers: [ObjectIdentifier: Subscriber] = [:]
    private var telemetryFollowers: [Subscriber] = []
    private var timer: LoopTimer?
    /// Each VPP's aggregated capacity as vpps.capacity gives it, for `vpps`.
    var capacities: (@LoopActor () -> [String: JSON])?
    private var lastCapacities: [String: JSON] = [:]
    private var lastCapacityMs: Int64 = 0
    private(set) var sent = 0

    init(registry: DeviceRegistry, catalog: PointCatalog) {
        self.registry = registry
        self.catalog = catalog
    }

    var count: Int { subscribers.count }

    /// Adds `topics` to what `session` follows; the telemetry filter and
    /// throttle given replace the earlier ones. Returns the topics followed.
    func subscribe(_ session: RPCSession, topics: Set<Topic>, devices: [String], sites: [String], throttleMs: Int64) -> [Topic] {
        let s = subscribers[ObjectIdentifier(session)] ?? Subscriber(session)
        subscribers[ObjectIdentifier(session)] = s
        s.topics.formUnion(topics)
        if topics.contains(.telemetry) {
            s.devices = Set(devices)
            s.sites = Set(sites)
            s.throttleMs = throttleMs
            s.pending = [:]
        }
        changed()
        return Topic.allCases.filter(s.topics.contains)
    }

    /// Stops `topics` (all when nil) for `session`; returns what it still follows.
    func unsubscribe(_ session: RPCSession, topics: Set<Topic>?) -> [Topic] {
        guard let s = subscribers[ObjectIdentifier(session)] else { return [] }
        s.topics.subtract(topics ?? Set(Topic.allCases))
        if !s.topics.contains(.telemetry) { s.pending = [:] }
        if s.topics.isEmpty { subscribers[ObjectIdentifier(session)] = nil }
        changed()
        return Topic.allCases.filter(s.topics.contains)
    }

    private func changed() {
        subscribers = subscribers.filter { $0.value.session?.push != nil }
        telemetryFollowers = subscribers.values.filter { $0.topics.contains(.telemetry) }
        if subscribers.isEmpty {
            timer?.close()
            timer = nil
        } else if timer == nil {
            let t = LoopTimer()
            t.schedule(afterMs: Self.tickMs, repeatMs: Self.tickMs) { [unowned self] in tick() }
            timer = t
        }
    }

    /// Samples the host accepted: kept as each follower's latest.
    func samples(_ batch: [Sample]) {
        guard !telemetryFollowers.isEmpty else { return }
        for sample in batch {
            guard let device = registry.device(number: sample.device), let point = catalog[sample.point]?.name else { continue }
            for s in telemetryFollowers where s.follows(device) {
                s.pending[device.id, default: [:]][point] = (sample.value, sample.timeMs)
            }
        }
    }

    /// Sends a notification of `topic` to each follower; `params` is built
    /// only when someone follows and can take it, and written once for all
    /// the followers that have dropped as many (usually all of them: none).
    func publish(_ topic: Topic, _ params: @autoclosure () -> JSONObject) {
        var built: JSONObject?
        var written: [Int: [UInt8]] = [:]
        var gone = false
        for s in subscribers.values where s.topics.contains(topic) {
            guard let push = s.session?.push else {
                gone = true
                continue
            }
            let sent = push(Self.highWater) {
                if let bytes = written[s.dropped] { return bytes }
                if built == nil { built = params() }
                let bytes = Self.note(topic, built!, dropped: s.dropped)
                written[s.dropped] = bytes
                return bytes
            }
            if sent { self.sent += 1 } else { s.dropped += 1 }
        }
        if gone { changed() }
    }

    private static func note(_ topic: Topic, _ params: JSONObject, dropped: Int) -> [UInt8] {
        var p = params
        p["dropped"] = .int(dropped)
        var bytes: [UInt8] = []
        JSON.object(JSONObject([("jsonrpc", "2.0"), ("method", .string(topic.rawValue)), ("params", .object(p))])).write(to: &bytes)
        return bytes
    }

    private static func samples(_ pending: [String: [String: (Double, Int64)]]) -> [JSON] {
        var samples: [JSON] = []
        for (device, points) in pending.sorted(by: { $0.key < $1.key }) {
            for (point, v) in points.sorted(by: { $0.key < $1.key }) {
                samples.append(.object(JSONObject([("device", .string(device)), ("point", .string(point)),
                                                    ("value", v.0.isFinite ? .number(v.0) : .null)] + timeFields("t", v.1))))
            }
        }
        return samples
    }

    private func tick() {
        let now = WallClock.monotonicMs()
        var gone = false
        for s in telemetryFollowers where !s.pending.isEmpty && now - s.lastFlushMs >= s.throttleMs {
            guard let push = s.session?.push else {
                gone = true
                continue
            }
            // Behind on reading: keep coalescing, try again next tick.
            guard push(Self.telemetryHighWater, { Self.note(.telemetry, JSONObject([("samples", .array(Self.samples(s.pending)))]),
                                                           dropped: s.dropped) }) else { continue }
            sent += 1
            s.pending = [:]
            s.lastFlushMs = now
        }
        if now - lastCapacityMs >= Self.capacityEveryMs, subscribers.values.contains(where: { $0.topics.contains(.vpps) }),
           let capacities {
            lastCapacityMs = now
            let current = capacities()
            for (vpp, c) in current.sorted(by: { $0.key < $1.key }) where lastCapacities[vpp] != c {
                publish(.vpps, JSONObject([("vpp", .string(vpp)), ("capacity", c)]))
            }
            for vpp in lastCapacities.keys.sorted() where current[vpp] == nil {
                publish(.vpps, JSONObject([("vpp", .string(vpp)), ("capacity", .null)]))
            }
            lastCapacities = current
        }
        if gone { changed() }
    }

    func close() {
        timer?.close()
        timer = nil
        subscribers = [:]
        telemetryFollowers = []
    }
}
