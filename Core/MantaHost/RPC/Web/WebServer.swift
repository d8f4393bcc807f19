import CWebServer
import MantaIO
import MantaJSON

/// JSON-RPC over HTTP (`POST /rpc`) and WebSocket (`/ws`) on the host's
/// loop, through libwebsockets (the C side is Core/System/CWebServer).
///
/// The same dispatcher as the TCP API answers, so methods, errors, batches
/// and authorisation are the same. An HTTP request is a session of its own:
/// it authorises with an `Authorization: Bearer` token (failures back off per
/// peer like auth.login) or not at all. A WebSocket is one session for its
/// life, like a TCP connection: auth.login on it, and `subscribe` pushes
/// notifications to it.
@LoopActor
public final class WebServer {
    struct Limits: Sendable {
        var maxMessageBytes: Int
        var maxConnections: Int
        var idleTimeoutMs: Int64
        /// Replies one WebSocket may have queued (and one reply's size).
        var maxReplyBytes: Int
    }

    /// Messages a WebSocket may send while its batch is still being handed
    /// out; one more closes it.
    static let maxHeldMessages = 64

    private let dispatcher: RPCDispatcher
    private let logins: LoginGuard
    private let audit: AuditLog
    private let limits: Limits
    private let logger: Logger
    private var server: OpaquePointer?
    private(set) var boundPort = 0
    /// Each connection the host has seen and not yet seen close.
    private var sockets: [OpaquePointer: Socket] = [:]
    private(set) var requests = 0

    /// One connection: an HTTP request waiting for its answer, or a WebSocket.
    private final class Socket {
        let conn: OpaquePointer
        let session: RPCSession
        var open = true
        /// Messages that arrived while the session's batch was being handed out.
        var held: [[UInt8]] = []
        init(conn: OpaquePointer, session: RPCSession) {
            self.conn = conn
            self.session = session
        }
    }

    init(dispatcher: RPCDispatcher, logins: LoginGuard, audit: AuditLog, limits: Limits, logger: Logger) {
        self.dispatcher = dispatcher
        self.logins = logins
        self.audit = audit
        self.limits = limits
        self.logger = logger
    }

    /// Listens on `host`:`port` (0: any free port; see `boundPort`), with
    /// TLS when `tls` names a certificate and key.
    func listen(host: String, port: Int, tls: HostConfig.TLS?) throws(RPCError) {
        var l = mw_limits(max_message_bytes: limits.maxMessageBytes, max_queued_bytes: limits.maxReplyBytes,
                          max_connections: Int32(limits.maxConnections),
                          idle_timeout_s: Int32(max(1, (limits.idleTimeoutMs + 999) / 1000)))
        var callbacks = mw_callbacks()
        callbacks.user = Unmanaged.passUnretained(self).toOpaque()
        callbacks.on_rpc = { user, conn, method, body, len, bearer in
            LoopActor.assumeIsolated {
                WebServer.of(user).rpc(conn!, method: method.map { String(cString: $0) }, UnsafeRawBufferPointer(start: body, count: len),
                                       bearer: bearer.map { String(cString: $0) })
            }
        }
        callbacks.on_get = { user, conn, path in LoopActor.assumeIsolated { WebServer.of(user).get(conn!, String(cString: path!)) } }
        callbacks.on_ws_open = { user, conn in LoopActor.assumeIsolated { WebServer.of(user).opened(conn!) } }
        callbacks.on_ws_message = { user, conn, message, len in
            LoopActor.assumeIsolated { WebServer.of(user).message(conn!, UnsafeRawBufferPointer(start: message, count: len)) }
        }
        callbacks.on_closed = { user, conn in LoopActor.assumeIsolated { WebServer.of(user).closed(conn!) } }
        var error = [CChar](repeating: 0, count: 512)
        let started: OpaquePointer? = withExtendedLifetime(tls) {
            if let tls {
                return tls.cert.withCString { cert in
                    tls.key.withCString { key in
                        var t = mw_tls(cert_path: cert, key_path: key)
                        return mw_server_start(EventLoop.shared.uvLoop, host, Int32(port), &l, &t, &callbacks, &error, error.count)
                    }
                }
            }
            return mw_server_start(EventLoop.shared.uvLoop, host, Int32(port), &l, nil, &callbacks, &error, error.count)
        }
        guard let started else { throw RPCError.internalError(String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)) }
        server = started
        boundPort = Int(mw_server_port(started))
    }

    nonisolated private static func of(_ user: UnsafeMutableRawPointer?) -> WebServer {
        Unmanaged<WebServer>.fromOpaque(user!).takeUnretainedValue()
    }

    /// Open connections, HTTP and WebSocket.
    var connections: Int { server.map { Int(mw_server_connections($0)) } ?? 0 }

    /// Closes every connection and stops listening; nothing calls back after.
    func close() {
        guard let s = server else { return }
        server = nil
        for socket in sockets.values { socket.open = false; socket.session.push = nil }
        sockets.removeAll()
        mw_server_stop(s)
    }

    private func session(_ conn: OpaquePointer) -> RPCSession {
        let peer = String(cString: mw_peer(conn))
        let host = peer.hasPrefix("[") ? String(peer.dropFirst().prefix(while: { $0 != "]" })) : String(peer.prefix(while: { $0 != ":" }))
        return RPCSession(peer: peer, loopback: HostConfig.isLoopback(host) || host == "::ffff:127.0.0.1")
    }

    // MARK: HTTP

    private func rpc(_ conn: OpaquePointer, method: String?, _ body: UnsafeRawBufferPointer, bearer: String?) {
        requests += 1
        let socket = Socket(conn: conn, session: session(conn))
        sockets[conn] = socket
        if let bearer, let refusal = authenticate(bearer, socket.session) {
            return answer(socket, status: 401, RPCEnvelope.response(id: .null, .failure(refusal)))
        }
        if let method { return route(socket, method, body) }
        dispatcher.handle(body, session: socket.session) { [weak self] response in
            guard let self, socket.open else { return }
            // JSON-RPC over HTTP: any JSON-RPC answer, errors included, is 200;
            // a message of notifications only has none (204).
            guard let response else { return answer(socket, status: 204, nil) }
            answer(socket, status: 200, response)
        }
    }

    /// POST /rpc/<method>: the body is the params; 200 with the result, or
    /// the error with the status OpenAPI.status gives.
    private func route(_ socket: Socket, _ method: String, _ body: UnsafeRawBufferPointer) {
        var request = JSONObject([("jsonrpc", "2.0"), ("id", 1), ("method", .string(method))])
        if body.contains(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) {
            do { request["params"] = try JSON.parse(body) } catch {
                return answer(socket, status: 400, ["error": ["code": -32700, "message": .string("Parse error: \(error.description)")]])
            }
        }
        var bytes: [UInt8] = []
        JSON.object(request).write(to: &bytes)
        bytes.withUnsafeBytes { raw in
            dispatcher.handle(raw, session: socket.session) { [weak self] response in
                guard let self, socket.open, let response = response?.object else { return }
                if let result = response["result"] { return answer(socket, status: 200, result) }
                let code = Int(response["error"]?.object?["code"]?.integer ?? -32603)
                answer(socket, status: OpenAPI.status(ofError: code), ["error": response["error"] ?? .null])
            }
        }
    }

    /// GET: the OpenAPI document, and an index at `/`.
    private func get(_ conn: OpaquePointer, _ path: String) {
        requests += 1
        let socket = Socket(conn: conn, session: session(conn))
        switch path {
        case "/openapi.json":
            answer(socket, status: 200, OpenAPI.document(dispatcher.allMethods, version: HostRuntime.version))
        case "/":
            answer(socket, status: 200, ["jsonrpc": "/rpc", "routes": "/rpc/<method>", "websocket": "/ws", "openapi": "/openapi.json"])
        default:
            answer(socket, status: 404, ["error": ["code": -32601, "message": .string("no such path: \(path) (JSON-RPC is POST /rpc or /rpc/<method>, the WebSocket /ws, OpenAPI /openapi.json)")]])
        }
    }

    private func answer(_ socket: Socket, status: Int32, _ value: JSON?) {
        var bytes: [UInt8] = []
        if let value { value.write(to: &bytes) }
        if bytes.count > limits.maxReplyBytes, let value {
            let size = bytes.count
            bytes.removeAll()
            RPCEnvelope.response(id: value.object?["id"] ?? .null, .failure(.tooLarge(
                "the reply would be \(size) bytes; the limit is \(limits.maxReplyBytes) (api.max_reply_bytes): ask for less")))
                .write(to: &bytes)
        }
        if sockets[socket.conn] === socket { sockets[socket.conn] = nil }
        socket.open = false
        _ = bytes.withUnsafeBufferPointer { b in
            b.withMemoryRebound(to: CChar.self) { mw_http_answer(socket.conn, status, nil, $0.baseAddress, $0.count) }
        }
    }

    /// nil when `token` names a token; else why not. A wrong token counts
    /// against the peer as a failed auth.login does, and is audited the same.
    private func authenticate(_ token: String, _ session: RPCSession) -> RPCError? {
        if let wait = logins.wait(session.host) {
            return .unauthorized("too many failed logins from \(session.host): try again in \(wait) ms")
        }
        if dispatcher.login(session, token: token) {
            logins.succeeded(session.host)
            return nil
        }
        if let note = logins.failed(session.host) {
            audit.write(AuditRow(tMs: WallClock.nowMs(), principal: "anonymous", peer: session.peer, method: "http.bearer",
                                 params: "{}", outcome: "denied: \(note)")) {}
        }
        return .unauthorized("unknown token in the Authorization header")
    }

    // MARK: WebSocket

    private func opened(_ conn: OpaquePointer) {
        let socket = Socket(conn: conn, session: session(conn))
        socket.session.push = { [weak self, unowned socket] note, highWater in self?.push(socket, note, highWater) ?? false }
        socket.session.resume = { [weak self, unowned socket] in self?.release(socket) }
        sockets[conn] = socket
    }

    private func message(_ conn: OpaquePointer, _ bytes: UnsafeRawBufferPointer) {
        guard let socket = sockets[conn] else { return }
        if socket.session.busy {
            guard socket.held.count < Self.maxHeldMessages else {
                return mw_close(conn, "more than \(Self.maxHeldMessages) messages sent while a batch was in hand")
            }
            socket.held.append(Array(bytes))
            return
        }
        handle(socket, bytes)
    }

    private func handle(_ socket: Socket, _ bytes: UnsafeRawBufferPointer) {
        requests += 1
        dispatcher.handle(bytes, session: socket.session) { [weak self] response in
            guard let self, let response, socket.open else { return }
            var out: [UInt8] = []
            response.write(to: &out)
            if !send(socket, out) {
                logger.warn("api", "\(socket.session.peer): closing the WebSocket: \(limits.maxReplyBytes) bytes of replies queued and not read (api.max_reply_bytes)")
                mw_close(socket.conn, "replies not read")
            }
        }
    }

    /// The session's batch is handed out: what it sent meanwhile is handled now, in order.
    private func release(_ socket: Socket) {
        while socket.open, !socket.session.busy, !socket.held.isEmpty {
            let next = socket.held.removeFirst()
            next.withUnsafeBytes { handle(socket, $0) }
        }
    }

    private func push(_ socket: Socket, _ note: JSON, _ highWater: Int) -> Bool {
        guard socket.open, mw_ws_queued(socket.conn) < highWater else { return false }
        var out: [UInt8] = []
        note.write(to: &out)
        return send(socket, out)
    }

    private func send(_ socket: Socket, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { b in
            b.withMemoryRebound(to: CChar.self) { mw_ws_send(socket.conn, $0.baseAddress, $0.count) == 0 }
        }
    }

    private func closed(_ conn: OpaquePointer) {
        guard let socket = sockets.removeValue(forKey: conn) else { return }
        socket.open = false
        socket.session.push = nil
        socket.session.resume = nil
    }
}
