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
        /// The login, and the CA an mqtts:// broker's certificate must chain to.
        var access = MQTTAccess()
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
        /// The broker refused the last CONNECT: the disconnect that follows
        /// says nothing new, and must not replace the refusal's reason.
        let refused = Atomic<Bool>(false)
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
        func check(_ rc: Int32, _ what: String) throws(MQTTError) {
            guard rc != MOSQ_ERR_SUCCESS.rawValue else { return }
            mosquitto_destroy(m)
            b.release()
            throw MQTTError("\(what): \(Self.text(rc))")
        }
        if let will = options.will {
            try check(will.payload.withUnsafeBytes {
                mosquitto_will_set_v5(m, will.topic, Int32($0.count), $0.baseAddress, 1, true, nil)
            }, "will on \(will.topic)")
        }
        if let user = options.access.username {
            try check(mosquitto_username_pw_set(m, user, options.access.password), "mqtt.username")
        }
        if options.broker.tls {
            // The broker's certificate must chain to the CA and name the
            // host dialled (libmosquitto checks the name unless told not to).
            let ca = options.access.caFile
            try check(mosquitto_tls_set(m, ca, ca == nil ? "/etc/ssl/certs" : nil, nil, nil, nil), "mqtt.ca_file")
        }
        mosquitto_connect_v5_callback_set(m) { m, obj, rc, _, _ in
            let box = Unmanaged<CallbackBox>.fromOpaque(obj!).takeUnretainedValue()
            guard rc == 0 else {
                box.refused.store(true, ordering: .releasing)
                return box.post(.disconnected("broker refused the connection: \(String(cString: mosquitto_reason_string(rc)))"))
            }
            box.refused.store(false, ordering: .releasing)
            box.up.store(true, ordering: .releasing)
            for topic in box.subscriptions { mosquitto_subscribe_v5(m, nil, topic, 1, 0, nil) }
            box.post(.connected)
        }
        mosquitto_disconnect_v5_callback_set(m) { _, obj, rc, _ in
            let box = Unmanaged<CallbackBox>.fromOpaque(obj!).takeUnretainedValue()
            box.up.store(false, ordering: .releasing)
            if box.refused.load(ordering: .acquiring) { return }
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
            var rc = mosquitto_connect_bind_v5(m, o.broker.host, Int32(o.broker.port), o.keepaliveS, nil, props)
            mosquitto_property_free_all(&props)
            // loop_forever reconnects by itself; it returns on errors it
            // counts as fatal (a protocol error from a broker going down
            // mid-packet among them), after which the session is tried again.
            while !state.stopping.load(ordering: .acquiring) {
                if rc == MOSQ_ERR_SUCCESS.rawValue { rc = mosquitto_loop_forever(m, 1000, 1) }
                if state.stopping.load(ordering: .acquiring) { break }
                // Why the session could not start or go on (no socket, a
                // failed TLS handshake); a refused login has said so in the
                // connect callback already.
                let refused = state.refused.exchange(false, ordering: .acquiringAndReleasing)
                if rc != MOSQ_ERR_SUCCESS.rawValue && !refused {
                    state.post(.disconnected("cannot connect to \(o.broker): \(Self.text(rc))"))
                }
                sleep(1)
                rc = mosquitto_reconnect(m)
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

struct MQTTError: Error, Sendable, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
