import CWebServer
import MantaIO
import MantaJSON

/// JSON-RPC over HTTP (`POST /rpc`) and WebSocket (`/ws`) on the host's
/// loop, through libwebsockets (the C side is Core/System/CWebServer). This
/// file keeps the connections and the WebSockets; WebServer+HTTP.swift
/// routes the HTTP requests.
///
/// The same dispatcher as the TCP API answers, so methods, errors, batches
/// and authorisation are the same. An HTTP request is a session of its own:
/// it authorises with an `Authorization: Bearer` token (failures back off per
/// peer like auth.login) or not at all. A WebSocket is one session for its
/// life, like a TCP connection: auth.login on it, and `subscribe` pushes
/// notifications to it.
@LoopActor
final class WebServer {
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

    let dispatcher: RPCDispatcher
    let logins: LoginGuard
    let audit: AuditLog
    let limits: Limits
    private let logger: Logger
    private var server: OpaquePointer?
    private(set) var boundPort = 0
    /// Each connection the host has seen and not yet seen close.
    var sockets: [OpaquePointer: Socket] = [:]
    var requests = 0

    /// A request's headers, copied out of the C server's.
    struct Request {
        var path: String
        var bearer: String?
        var cookie: String?
        var origin: String?
        var host: String?

        init(_ r: mw_request) {
            path = r.path.map { String(cString: $0) } ?? "/"
            bearer = r.bearer.map { String(cString: $0) }
            cookie = r.cookie.map { String(cString: $0) }
            origin = r.origin.map { String(cString: $0) }
            host = r.host.map { String(cString: $0) }
        }
    }

    /// One connection: an HTTP request waiting for its answer, or a WebSocket.
    final class Socket {
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

    /// Browser sessions (`POST /login`).
    let sessions: BrowserSessions
    /// Served over TLS: cookies are Secure.
    private(set) var secure = false

    init(dispatcher: RPCDispatcher, logins: LoginGuard, audit: AuditLog, limits: Limits, sessionTTLMs: Int64, logger: Logger) {
        sessions = BrowserSessions(ttlMs: sessionTTLMs)
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
        callbacks.on_post = { user, conn, request, body, len in
            LoopActor.assumeIsolated {
                WebServer.of(user).post(conn!, Request(request!.pointee), UnsafeRawBufferPointer(start: body, count: len))
            }
        }
        callbacks.on_get = { user, conn, request in
            LoopActor.assumeIsolated { WebServer.of(user).get(conn!, Request(request!.pointee)) }
        }
        callbacks.on_ws_open = { user, conn, request in
            LoopActor.assumeIsolated { WebServer.of(user).opened(conn!, Request(request!.pointee)) }
        }
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
        guard let started else { throw RPCError.internalError(String(nulTerminated: error)) }
        server = started
        secure = tls != nil
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

    func session(_ conn: OpaquePointer) -> RPCSession {
        RPCSession(connectedFrom: String(cString: mw_peer(conn)))
    }

    // MARK: WebSocket

    private func opened(_ conn: OpaquePointer, _ request: Request) {
        let socket = Socket(conn: conn, session: session(conn))
        // A browser's session cookie authorises its WebSocket, from this host's own pages only.
        if sameOrigin(request), let e = sessions.find(cookie: request.cookie) {
            socket.session.principal = e.principal
            socket.session.role = e.role
        }
        socket.session.push = { [weak self, unowned socket] highWater, note in self?.push(socket, highWater, note) ?? false }
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

    private func push(_ socket: Socket, _ highWater: Int, _ note: () -> [UInt8]) -> Bool {
        guard socket.open, mw_ws_queued(socket.conn) < highWater else { return false }
        return send(socket, note())
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
