import CLibUV
import Glibc
import MantaIO
import MantaJSON

/// Newline-delimited JSON-RPC over TCP on the event loop.
///
/// Each line is one message. The server never blocks and never lets a
/// client hold it up: a message over the size limit is answered with an
/// error and skipped to the next newline; a half-sent message times out;
/// a client that does not read its responses stops being read from until
/// it catches up (so its replies cannot pile up in memory). Under `api.tls`
/// every connection is TLS 1.2 or later (RPCConnection, TLSStream).
@LoopActor
public final class RPCServer {
    struct Limits: Sendable {
        var maxMessageBytes: Int
        var maxConnections: Int
        var partialTimeoutMs: Int64
        /// A connection with no byte in or out for this long is closed.
        var idleTimeoutMs: Int64 = 300_000
        /// Connections one peer address may hold.
        var maxConnectionsPerPeer = 128
        /// Replies one connection may have queued (and one reply's size).
        var maxReplyBytes = 64 << 20
        /// Pause reading a client whose unsent replies exceed this.
        var writeHighWater = 8 << 20
    }

    let dispatcher: RPCDispatcher
    let limits: Limits
    let logger: Logger
    private let listener: UnsafeMutablePointer<uv_tcp_t>
    private var sweep: LoopTimer?
    private(set) var connections: [ObjectIdentifier: RPCConnection] = [:]
    private(set) var boundPort: Int = 0
    private(set) var accepted = 0
    private var listenerClosed = false
    /// The certificate connections present, under `api.tls`.
    private var tls: TLSServerContext?

    init(dispatcher: RPCDispatcher, limits: Limits, logger: Logger) {
        self.dispatcher = dispatcher
        self.limits = limits
        self.logger = logger
        listener = .allocate(capacity: 1)
        uv_tcp_init(EventLoop.shared.uvLoop, listener)
        listener.pointee.data = Unmanaged.passUnretained(self).toOpaque()
    }

    /// Binds and listens, with TLS when `tls` is given (its files are
    /// loaded now). Port 0 picks a free port (see `boundPort`).
    func listen(host: String, port: Int, tls: HostConfig.TLS? = nil) throws(RPCError) {
        if let tls { self.tls = try TLSServerContext(tls) }
        var addr = sockaddr_in()
        guard uv_ip4_addr(host == "localhost" ? "127.0.0.1" : host, Int32(port), &addr) == 0 else {
            throw RPCError.internalError("api.listen: \(host) is not an IPv4 address")
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { uv_tcp_bind(listener, $0, 0) }
        }
        guard rc == 0 else { throw RPCError.internalError("cannot bind \(host):\(port): \(String(cString: uv_strerror(rc)))") }
        let lrc = uv_listen(stream(listener), 128) { server, status in
            guard status == 0 else { return }
            LoopActor.assumeIsolated { Unmanaged<RPCServer>.fromOpaque(server!.pointee.data).takeUnretainedValue().accept() }
        }
        guard lrc == 0 else { throw RPCError.internalError("cannot listen on \(host):\(port): \(String(cString: uv_strerror(lrc)))") }
        var bound = sockaddr_in()
        var len = Int32(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &bound) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = uv_tcp_getsockname(listener, $0, &len) }
        }
        boundPort = Int(UInt16(bigEndian: bound.sin_port))
        let t = LoopTimer()
        // Often enough that neither timeout is overrun by more than half.
        let period = UInt64(max(50, min(1000, min(limits.partialTimeoutMs, limits.idleTimeoutMs) / 2)))
        t.schedule(afterMs: period, repeatMs: period) { [unowned self] in sweepIdle() }
        sweep = t
    }

    private func accept() {
        let client = UnsafeMutablePointer<uv_tcp_t>.allocate(capacity: 1)
        uv_tcp_init(EventLoop.shared.uvLoop, client)
        guard uv_accept(stream(listener), stream(client)) == 0 else {
            uv_close(handle(client)) { $0?.deallocate() }
            return
        }
        uv_tcp_nodelay(client, 1)
        var session: TLSStream?
        if let tls {
            guard let made = TLSStream(tls) else {
                uv_close(handle(client)) { $0?.deallocate() }
                return
            }
            session = made
        }
        accepted += 1
        let conn = RPCConnection(tcp: client, server: self, peer: RPCServer.peerName(client), tls: session)
        let fromPeer = connections.values.filter { $0.peerHost == conn.peerHost }.count
        connections[ObjectIdentifier(conn)] = conn
        if connections.count > limits.maxConnections {
            conn.sendLine(RPCEnvelope.response(id: .null, .failure(RPCError(
                -32004, "Too many connections: the limit is \(limits.maxConnections)"))))
            conn.closeAfterWriting()
            return
        }
        if fromPeer >= limits.maxConnectionsPerPeer {
            logger.warn("api", "\(conn.session.peer): refused: \(conn.peerHost) holds \(fromPeer) connections (api.max_connections_per_peer)")
            conn.sendLine(RPCEnvelope.response(id: .null, .failure(RPCError(
                -32004, "Too many connections from \(conn.peerHost): the limit per peer is \(limits.maxConnectionsPerPeer)"))))
            conn.closeAfterWriting()
            return
        }
        conn.startReading()
    }

    func forget(_ conn: RPCConnection) { connections[ObjectIdentifier(conn)] = nil }

    private func sweepIdle() {
        let now = WallClock.monotonicMs()
        for conn in connections.values {
            if let since = conn.partialSinceMs, conn.hasPartial, now - since > limits.partialTimeoutMs {
                conn.sendLine(RPCEnvelope.response(id: .null, .failure(.invalidRequest(
                    "incomplete message: no newline within \(limits.partialTimeoutMs) ms of its first byte; closing"))))
                conn.closeAfterWriting()
            } else if now - conn.lastActivityMs > limits.idleTimeoutMs {
                logger.info("api", "\(conn.session.peer): closed after \(limits.idleTimeoutMs) ms idle (api.idle_timeout_ms)")
                conn.closeAfterWriting()
            }
        }
    }

    /// Stops accepting connections; the open ones carry on.
    func stopListening() {
        guard !listenerClosed else { return }
        listenerClosed = true
        sweep?.close()
        uv_close(handle(listener)) { h in h?.withMemoryRebound(to: uv_tcp_t.self, capacity: 1) { $0.deallocate() } }
    }

    /// Stops listening and closes every connection once what is queued for
    /// it has been written.
    func close() {
        stopListening()
        for conn in connections.values { conn.closeAfterWriting() }
    }

    nonisolated static func peerName(_ tcp: UnsafeMutablePointer<uv_tcp_t>) -> String {
        var storage = sockaddr_storage()
        var len = Int32(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { uv_tcp_getpeername(tcp, $0, &len) }
        }
        guard rc == 0 else { return "unknown" }
        var text = [CChar](repeating: 0, count: 64)
        let family = storage.ss_family
        return withUnsafePointer(to: storage) { p -> String in
            if family == sa_family_t(AF_INET6) {
                return p.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { a in
                    uv_ip6_name(a, &text, 64)
                    return "[\(text.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })]:\(UInt16(bigEndian: a.pointee.sin6_port))"
                }
            }
            return p.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { a in
                uv_ip4_name(a, &text, 64)
                return "\(text.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }):\(UInt16(bigEndian: a.pointee.sin_port))"
            }
        }
    }
}

@inline(__always)
func stream<T>(_ p: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<uv_stream_t> {
    UnsafeMutableRawPointer(p).assumingMemoryBound(to: uv_stream_t.self)
}

@inline(__always)
func handle<T>(_ p: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<uv_handle_t> {
    UnsafeMutableRawPointer(p).assumingMemoryBound(to: uv_handle_t.self)
}
