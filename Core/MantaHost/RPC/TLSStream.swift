import CTLS
import MantaIO

/// The certificate and key the TCP API's TLS sessions present: loaded once
/// at listen, shared by every connection.
final class TLSServerContext {
    fileprivate let server: OpaquePointer

    /// Loads and matches the pair; the error names the file and OpenSSL's reason.
    init(_ tls: HostConfig.TLS) throws(RPCError) {
        var error = [CChar](repeating: 0, count: 512)
        guard let made = mt_server_new(tls.cert, tls.key, &error, error.count) else {
            throw RPCError.internalError("api.tls: \(String(nulTerminated: error))")
        }
        server = made
    }

    deinit { mt_server_free(server) }
}

/// One TCP connection's TLS session, over memory buffers: the connection
/// reads and writes the socket through libuv and passes the bytes through.
/// Keeps its context alive while it lives.
final class TLSStream {
    private let stream: OpaquePointer
    private let context: TLSServerContext
    /// Some ciphertext has arrived: the handshake is under way.
    private(set) var started = false

    /// What reading the fed ciphertext produced.
    enum Read {
        case plain(Int)
        case needMore
        case closed
        case failed(String)
    }

    init?(_ context: TLSServerContext) {
        guard let s = mt_stream_new(context.server) else { return nil }
        stream = s
        self.context = context
    }

    deinit { mt_stream_free(stream) }

    var ready: Bool { mt_stream_ready(stream) != 0 }
    var pending: Int { mt_stream_pending(stream) }

    /// Hands in bytes read from the socket; false when out of memory.
    func feed(_ bytes: UnsafeRawBufferPointer) -> Bool {
        started = true
        return mt_stream_feed(stream, bytes.baseAddress, bytes.count) == 0
    }

    /// The next plaintext decrypted from what was fed, into `buffer`.
    func read(into buffer: UnsafeMutableRawBufferPointer) -> Read {
        let n = mt_stream_read(stream, buffer.baseAddress, buffer.count)
        if n > 0 { return .plain(n) }
        if n == 0 { return .needMore }
        if n == MT_CLOSED { return .closed }
        return .failed(String(cString: mt_stream_error(stream)))
    }

    /// Encrypts all of `plain`; nil on success, else why not.
    func write(_ plain: UnsafeRawBufferPointer) -> String? {
        mt_stream_write(stream, plain.baseAddress, plain.count) == 0 ? nil : String(cString: mt_stream_error(stream))
    }

    /// Moves the waiting ciphertext into `out`, which holds at least `pending` bytes.
    func take(into out: UnsafeMutableRawPointer, capacity: Int) -> Int { mt_stream_take(stream, out, capacity) }

    /// Queues close_notify (then take and write it, then close the socket).
    func shutdown() { mt_stream_shutdown(stream) }
}
