import CMosquitto
import Glibc
import MantaIO
import Synchronization

/// One MQTT 5 session with a broker (libmosquitto), for edge and control hosts.
///
/// libmosquitto runs the connection on a thread of its own (`loop_forever`:
/// reads, writes, keepalive, reconnecting with back-off), so the loop never
/// blocks on a socket connect or a slow broker. Its callbacks arrive on that
/// thread; each copies what it was given and enqueues it onto the loop
/// (`onEvent` is `@LoopActor`), the rule host callbacks follow.
/// `publish` and `subscribe` may be called from any thread: libmosquitto
/// locks its own state once `mosquitto_threaded_set` is on.
///
/// The session is persistent (clean start off, a session expiry interval):
/// a broker that stays up keeps this client's subscriptions and queues its
/// QoS 1 messages while it is away. A broker that restarts without
/// persistence forgets both; the client subscribes again on every connect,
/// and the edge protocol's end-to-end acknowledgements (EdgeUplink) replay
/// what the broker lost.
final class MQTTClient: Sendable {
    struct Options: Sendable {
        var broker: MQTTURL
        var clientID: String
        var keepaliveS: Int32
        /// How long the broker keeps the session (and queues for it) after a disconnect.
        var sessionExpiryS: UInt32
        /// Published by the broker (retained) when the connection is lost
        /// without a clean disconnect.
        var will: (topic: String, payload: [UInt8])?
        /// Subscribed to, QoS 1, on every connect.
        var subscriptions: [String]
    }

    enum Event: Sendable {
        case connected
        case disconnected(String)
        case message(topic: String, payload: [UInt8])
    }

    /// libmosquitto's handle. It locks its own state (threaded mode), so
    /// the Mutex only carries the pointer across threads; it is never held
    /// during a call.
    private let handle: Mutex<OpaquePointer>
    private let box: Unmanaged<CallbackBox>
    private let thread = Worker(name: "mqtt")
    private let options: Options

    /// Whoever receives the events, and what to subscribe to on connect.
    private final class CallbackBox: Sendable {
        let onEvent: @LoopActor @Sendable (Event) -> Void
        let subscriptions: [String]
        /// Whether the session is up now (set on libmosquitto's thread).
        let up = Atomic<Bool>(false)
        let stopping = Atomic<Bool>(false)
        init(_ onEvent: @escaping @LoopActor @Sendable (Event) -> Void, subscriptions: [String]) {
            self.onEvent = onEvent
            self.subscriptions = subscriptions
        }
        func post(_ e: Event) {
            let f = onEvent
            EventLoop.shared.execute { f(e) }
        }
    }

    private static let library: Void = { mosquitto_lib_init() }()

    /// Builds the session; nothing connects until `start`.
    init(_ options: Options, onEvent: @escaping @LoopActor @Sendable (Event) -> Void) throws(MQTTError) {
        _ = Self.library
        self.options = options
        let b = Unmanaged.passRetained(CallbackBox(onEvent, subscriptions: options.subscriptions))
        box = b
        guard let m = mosquitto_new(options.clientID, false, b.toOpaque()) else {
            b.release()
            throw MQTTError("mosquitto_new failed: \(String(cString: strerror(errno)))")
        }
        mosquitto_int_option(m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5)
        mosquitto_threaded_set(m, true)
        // Setpoints and acknowledgements are small and urgent: Nagle's
        // delay against the peer's delayed ACK would add ~40 ms per hop.
        mosquitto_int_option(m, MOSQ_OPT_TCP_NODELAY, 1)
        mosquitto_reconnect_delay_set(m, 1, 10, true)
        if let will = options.will {
            let rc = will.payload.withUnsafeBytes {
                mosquitto_will_set_v5(m, will.topic, Int32($0.count), $0.baseAddress, 1, true, nil)
            }
            if rc != MOSQ_ERR_SUCCESS.rawValue {
                mosquitto_destroy(m)
                b.release()
                throw MQTTError("will on \(will.topic): \(Self.text(rc))")
            }
        }
        mosquitto_connect_v5_callback_set(m) { m, obj, rc, _, _ in
            let box = Unmanaged<CallbackBox>.fromOpaque(obj!).takeUnretainedValue()
            guard rc == 0 else { return box.post(.disconnected("broker refused the connection: \(String(cString: mosquitto_reason_string(rc)))")) }
            box.up.store(true, ordering: .releasing)
            for topic in box.subscriptions { mosquitto_subscribe_v5(m, nil, topic, 1, 0, nil) }
            box.post(.connected)
        }
        mosquitto_disconnect_v5_callback_set(m) { _, obj, rc, _ in
            let box = Unmanaged<CallbackBox>.fromOpaque(obj!).takeUnretainedValue()
            box.up.store(false, ordering: .releasing)
            box.post(.disconnected(rc == 0 ? "disconnected" : "connection lost (\(String(cString: mosquitto_strerror(rc))))"))
        }
        mosquitto_message_v5_callback_set(m) { _, obj, message, _ in
            guard let message = message?.pointee, let topic = message.topic else { return }
            let box = Unmanaged<CallbackBox>.fromOpaque(obj!).takeUnretainedValue()
            let payload = message.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: Int(message.payloadlen))) } ?? []
            box.post(.message(topic: String(cString: topic), payload: payload))
        }
        // Last: from here the handle is the Mutex's, shared with libmosquitto's thread.
        handle = Mutex(m)
    }

    deinit {
        mosquitto_destroy(handle.withLock { $0 })
        box.release()
    }

    private var raw: OpaquePointer { handle.withLock { $0 } }

    /// Whether the session is connected now.
    var connected: Bool { box.takeUnretainedValue().up.load(ordering: .acquiring) }

    /// Connects and keeps the session up on libmosquitto's thread until `stop`.
    /// A broker that is down at start is retried as after any disconnect.
    func start() {
        let o = options, state = box.takeUnretainedValue()
        // The session thread keeps the client alive until `stop` ends it.
        thread.submit { [self] in
            let m = raw
            var props: OpaquePointer? = nil
            _ = mosquitto_property_add_int32(&props, Int32(MQTT_PROP_SESSION_EXPIRY_INTERVAL.rawValue), o.sessionExpiryS)
            _ = mosquitto_connect_bind_v5(m, o.broker.host, Int32(o.broker.port), o.keepaliveS, nil, props)
            mosquitto_property_free_all(&props)
            // loop_forever reconnects by itself; it returns on errors it
            // counts as fatal (a protocol error from a broker going down
            // mid-packet among them), after which the session is tried again.
            while !state.stopping.load(ordering: .acquiring) {
                _ = mosquitto_loop_forever(m, 1000, 1)
                if state.stopping.load(ordering: .acquiring) { break }
                sleep(1)
                _ = mosquitto_reconnect(m)
            }
        }
    }

    /// Publishes `payload` on `topic`; false when libmosquitto refused it
    /// (no connection: QoS 1 messages are then the caller's to replay).
    @discardableResult
    func publish(_ topic: String, _ payload: [UInt8], retain: Bool = false) -> Bool {
        guard connected else { return false }
        let rc = payload.withUnsafeBytes { mosquitto_publish_v5(raw, nil, topic, Int32($0.count), $0.baseAddress, 1, retain, nil) }
        return rc == MOSQ_ERR_SUCCESS.rawValue
    }

    /// Disconnects cleanly (no will) and ends the session's thread.
    func stop() {
        box.takeUnretainedValue().stopping.store(true, ordering: .releasing)
        mosquitto_disconnect_v5(raw, 0, nil)
        thread.close()
        thread.join()
    }

    private static func text(_ rc: Int32) -> String { String(cString: mosquitto_strerror(rc)) }
}

/// A broker address, `mqtt://host:port` (port 1883 when left out).
struct MQTTURL: Sendable, Equatable, CustomStringConvertible {
    var host: String
    var port: Int

    init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `text`, or says what is wrong with it.
    static func parse(_ text: String) -> Result<MQTTURL, MQTTError> {
        guard text.hasPrefix("mqtt://") else { return .failure(MQTTError("\(text): a broker URL starts with mqtt:// (mqtts is not supported yet)")) }
        var rest = Substring(text.dropFirst(7))
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.isEmpty, !rest.contains("/"), !rest.contains("@") else {
            return .failure(MQTTError("\(text): expected mqtt://HOST[:PORT]"))
        }
        let host: Substring, port: Int
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return .failure(MQTTError("\(text): unclosed [ in the host")) }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let tail = rest[rest.index(after: close)...]
            guard tail.isEmpty || tail.hasPrefix(":") else { return .failure(MQTTError("\(text): expected :PORT after ]")) }
            guard let p = tail.isEmpty ? 1883 : Int(tail.dropFirst()), (1...65535).contains(p) else {
                return .failure(MQTTError("\(text): the port must be 1..65535"))
            }
            port = p
        } else if let colon = rest.lastIndex(of: ":") {
            host = rest[..<colon]
            guard let p = Int(rest[rest.index(after: colon)...]), (1...65535).contains(p) else {
                return .failure(MQTTError("\(text): the port must be 1..65535"))
            }
            port = p
        } else {
            host = rest
            port = 1883
        }
        guard !host.isEmpty, host.count <= 253 else { return .failure(MQTTError("\(text): the host is empty or too long")) }
        return .success(MQTTURL(host: String(host), port: port))
    }

    var description: String { host.contains(":") ? "mqtt://[\(host)]:\(port)" : "mqtt://\(host):\(port)" }
}

struct MQTTError: Error, Sendable, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
