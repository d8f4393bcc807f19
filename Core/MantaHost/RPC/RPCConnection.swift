import CLibUV
import Glibc
import MantaIO
import MantaJSON

/// One client of the RPC server: its read buffer, its framing state and
/// its queued output, and under `api.tls` its TLS session (the socket
/// carries ciphertext; everything above reads and writes plaintext).
///
/// Kept alive by the server's table and by the handle's data pointer until
/// libuv has closed the socket.
@LoopActor
final class RPCConnection {
    private let tcp: UnsafeMutablePointer<uv_tcp_t>
    private unowned let server: RPCServer
    private let tls: TLSStream?
    let session: RPCSession
    private var buffer: [UInt8] = []
    /// Skipping the rest of an over-long message, up to its newline.
    private var discarding = false
    private var output: [UInt8] = []
    private var inRead = false
    private var processing = false
    /// A later turn is queued: reads only buffer until it runs, so one
    /// client gets one turn per loop iteration however much it sends.
    private var turnQueued = false
    private var readingPaused = false
    private(set) var closed = false
    /// closeAfterWriting has begun: nothing more is read or handled.
    private var ending = false
    /// Monotonic ms of the last byte in or reply out: what the idle timeout measures.
    private(set) var lastActivityMs = WallClock.monotonicMs()
    /// Monotonic ms of the first byte of the message not yet complete, if
    /// any: what the partial-message timeout measures (a client sending one
    /// byte a second cannot keep a message open forever).
    private(set) var partialSinceMs: Int64?
    /// The peer's address without its port: what per-peer limits count.
    let peerHost: String

    init(tcp: UnsafeMutablePointer<uv_tcp_t>, server: RPCServer, peer: String, tls: TLSStream?) {
        self.tcp = tcp
        self.server = server
        self.tls = tls
        session = RPCSession(connectedFrom: peer)
        peerHost = session.host
        tcp.pointee.data = Unmanaged.passRetained(self).toOpaque()
        // A batch handed out a slice at a time lets this client's next messages in when it is done.
        session.resume = { [weak self] in self?.process() }
        session.push = { [weak self] highWater, note in self?.push(highWater: highWater, note) ?? false }
    }

    /// Where the search for the next newline resumes: bytes before it (past
    /// the last complete line) are known to hold none, so a message arriving
    /// in many reads is scanned once, not once per read.
    private var searchedUpTo = 0
    /// The buffer holds bytes after its last newline (and no complete line waits).
    private var endsInPartial = false

    /// Holding part of a message that has not been completed: what the
    /// partial-message timeout is about (not lines waiting for their turn).
    /// A TLS handshake begun and not finished counts too: trickling it is
    /// held to the same timeout.
    var hasPartial: Bool {
        discarding || (!buffer.isEmpty && endsInPartial) || (tls.map { $0.started && !$0.ready } ?? false)
    }

    /// The next newline at or after `from`, by memchr (fast in any build).
    private func newline(from: Int) -> Int? {
        guard from < buffer.count else { return nil }
        return buffer.withUnsafeBytes { raw in
            memchr(raw.baseAddress! + from, 0x0A, raw.count - from).map { UnsafeRawPointer(raw.baseAddress!).distance(to: UnsafeRawPointer($0)) }
        }
    }

    /// One read buffer for every connection: libuv fills it and calls
    /// read_cb before anything else runs on the loop.
    nonisolated(unsafe) private static let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
    /// Where TLS sessions decrypt into, likewise shared (used within one read callback).
    nonisolated(unsafe) private static let plainBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)

    func startReading() {
        uv_read_start(stream(tcp), { _, _, buf in
            buf!.pointee = uv_buf_init(RPCConnection.readBuffer.baseAddress!.assumingMemoryBound(to: CChar.self),
                                       UInt32(RPCConnection.readBuffer.count))
        }, { s, n, buf in
            LoopActor.assumeIsolated {
                let conn = Unmanaged<RPCConnection>.fromOpaque(s!.pointee.data).takeUnretainedValue()
                if n < 0 { return conn.close() }
                guard n > 0 else { return }
                let bytes = UnsafeRawBufferPointer(start: buf!.pointee.base, count: n)
                if let tls = conn.tls { conn.decrypt(bytes, tls) } else { conn.received(bytes) }
            }
        })
    }

    /// Ciphertext from the socket: plaintext goes on to `received`, and
    /// whatever the session has to say (handshake, tickets) is written.
    private func decrypt(_ bytes: UnsafeRawBufferPointer, _ tls: TLSStream) {
        let wasReady = tls.ready
        lastActivityMs = WallClock.monotonicMs()
        if partialSinceMs == nil { partialSinceMs = lastActivityMs }
        if !tls.started, let first = bytes.first, first == UInt8(ascii: "{") || first == UInt8(ascii: "[") {
            return refusePlaintext()
        }
        guard tls.feed(bytes) else { return close() }
        while !closed && !ending {
            switch tls.read(into: RPCConnection.plainBuffer) {
            case .plain(let n): received(UnsafeRawBufferPointer(rebasing: RPCConnection.plainBuffer[0..<n]))
            case .needMore:
                // The handshake is done: the partial-message clock starts again with the first message.
                if !wasReady && tls.ready && !hasPartial { partialSinceMs = nil }
                return flush()
            case .closed: return closeAfterWriting()
            case .failed(let why):
                server.logger.info("api", "\(session.peer): \(why); closing")
                return close()
            }
        }
    }

    /// A plain JSON-RPC client on the TLS port (a TLS session opens with
    /// 0x16, never `{` or `[`): one unencrypted error saying so, as an HTTPS
    /// server answers plain HTTP, then close. It says nothing about the host.
    private func refusePlaintext() {
        server.logger.info("api", "\(session.peer): sent plain JSON to the TLS port; closing")
        var line = [UInt8]()
        RPCEnvelope.response(id: .null, .failure(.invalidRequest(
            "this port speaks TLS (api.tls): connect over TLS, e.g. manta --tls-ca CERT"))).write(to: &line)
        line.append(0x0A)
        write(line.withUnsafeBytes(RPCConnection.copy), line.count)
        closeAfterWriting()
    }

    private func received(_ bytes: UnsafeRawBufferPointer) {
        let now = WallClock.monotonicMs()
        lastActivityMs = now
        if partialSinceMs == nil { partialSinceMs = now }
        if discarding {
            // Skipping an over-long message: drop everything up to its newline.
            guard let nl = bytes.firstIndex(of: 0x0A) else { return }
            discarding = false
            buffer.append(contentsOf: bytes[(nl + 1)...])
        } else {
            buffer.append(contentsOf: bytes)
        }
        process()
    }

    /// Handles complete lines from the buffer, fairly: at most `turnBudget`
    /// messages per turn, then the loop gets to serve others and this
    /// connection continues on a later turn. While this client's unsent
    /// replies are over the high-water mark, nothing more of it is read or
    /// handled: a client that does not read cannot make the host work.
    private func process() {
        guard !closed, !processing, !turnQueued else { return }
        processing = true
        inRead = true
        defer {
            inRead = false
            processing = false
            flush()
        }
        let limit = server.limits.maxMessageBytes
        var start = 0, handled = 0
        let outputBefore = output.count, turnStarted = WallClock.monotonicNs()
        endsInPartial = false
        // A batch still being handed out holds this client's next messages back.
        while !closed, !writeBlocked, !session.busy {
            guard let nl = newline(from: max(start, searchedUpTo)) else {
                searchedUpTo = buffer.count
                endsInPartial = true
                break
            }
            // (At least one message a turn, however slow finding it was:
            // a turn that yields before its first would never end.)
            if handled > 0, handled == RPCConnection.turnMessages || output.count - outputBefore >= RPCConnection.turnBytes
                || WallClock.monotonicNs() - turnStarted > RPCConnection.turnNs {
                turnQueued = true
                EventLoop.shared.execute { [self] in
                    turnQueued = false
                    process()
                }
                break
            }
            buffer.withUnsafeBytes { dispatch(UnsafeRawBufferPointer(rebasing: $0[start..<nl])) }
            start = nl + 1
            handled += 1
        }
        if start > 0 {
            buffer.removeSubrange(0..<start)
            searchedUpTo = max(0, searchedUpTo - start)
        }
        if buffer.count > limit && endsInPartial {
            buffer.removeAll()
            searchedUpTo = 0
            discarding = true
            sendLine(RPCEnvelope.response(id: .null, .failure(.invalidRequest(
                "message exceeds the \(limit)-byte limit; skipped up to the next newline"))))
        }
        // The partial-message clock runs from the first byte of the message
        // now incomplete: it restarts when a message completed in this turn.
        if !hasPartial { partialSinceMs = nil } else if start > 0 { partialSinceMs = WallClock.monotonicMs() }
        updateReading()
    }

    /// Bytes read but not yet handled above which the connection is not read
    /// from: lines waiting for their turn (blank ones too) cannot pile up.
    private var inputHighWater: Int { server.limits.maxMessageBytes + (64 << 10) }

    /// Reads while the client's unsent replies and its unhandled input are
    /// both below their marks; otherwise leaves the rest in the kernel's
    /// buffers (TCP back-pressure on the client).
    private func updateReading() {
        guard !closed, !ending else { return }
        let pause = writeBlocked || buffer.count > inputHighWater
        if pause && !readingPaused {
            readingPaused = true
            uv_read_stop(stream(tcp))
        } else if !pause && readingPaused && uv_stream_get_write_queue_size(stream(tcp)) < server.limits.writeHighWater / 2 {
            readingPaused = false
            startReading()
        }
    }

    private func dispatch(_ raw: UnsafeRawBufferPointer) {
        var line = raw
        if let last = line.last, last == 0x0D { line = UnsafeRawBufferPointer(rebasing: line.dropLast()) }
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return }
        let limit = server.limits.maxMessageBytes
        guard line.count <= limit else {
            return sendLine(RPCEnvelope.response(id: .null, .failure(.invalidRequest("message exceeds the \(limit)-byte limit"))))
        }
        server.dispatcher.handle(line, session: session) { [weak self] response in
            guard let self, let response, !self.closed else { return }
            self.sendLine(response)
        }
    }

    /// A turn ends after this many messages or this many reply bytes,
    /// whichever comes first: about a millisecond of work, so that one busy
    /// client delays the others by no more than that.
    static let turnMessages = 1024
    static let turnBytes = 256 << 10
    /// ... or this much wall time: a turn is bounded by its cost, not only
    /// by its count (one expensive method must not hold the loop).
    static let turnNs: UInt64 = 2_000_000

    private var writeBlocked: Bool {
        uv_stream_get_write_queue_size(stream(tcp)) > server.limits.writeHighWater
    }

    /// Queues one notification unless the client is behind on reading
    /// (more than `highWater` bytes unsent): a subscriber that does not
    /// read falls behind, the host does not grow.
    func push(highWater: Int, _ note: () -> [UInt8]) -> Bool {
        guard !closed, output.count + uv_stream_get_write_queue_size(stream(tcp)) < highWater else { return false }
        output.append(contentsOf: note())
        queued()
        return true
    }

    /// Queues one response line; it goes out at the end of the current
    /// read (coalescing pipelined replies into one write) or at once.
    func sendLine(_ value: JSON) {
        guard !closed else { return }
        let before = output.count
        value.write(to: &output)
        let cap = server.limits.maxReplyBytes
        if output.count - before > cap {
            // One reply larger than a client may be sent: an error in its place.
            output.removeSubrange(before...)
            let id = value.object?["id"] ?? .null
            RPCEnvelope.response(id: id, .failure(.tooLarge(
                "the reply would be \(output.count - before) bytes or more; the limit is \(cap) (api.max_reply_bytes): ask for less"))).write(to: &output)
        }
        queued()
    }

    /// Ends the line just appended to `output` and sends it, or closes a
    /// client that has let more than api.max_reply_bytes pile up.
    private func queued() {
        let cap = server.limits.maxReplyBytes
        output.append(0x0A)
        if output.count + uv_stream_get_write_queue_size(stream(tcp)) > cap {
            server.logger.warn("api", "\(session.peer): closing: \(cap) bytes of replies queued and not read (api.max_reply_bytes)")
            output.removeAll()
            return close()
        }
        if !inRead { flush() }
    }

    /// Writes what is queued: the replies as they are, or under TLS once
    /// the handshake is done, encrypted (and the session's own messages).
    private func flush() {
        guard !closed else { return }
        if let tls {
            if tls.ready && !output.isEmpty {
                let failed = output.withUnsafeBytes { tls.write($0) }
                output.removeAll(keepingCapacity: true)
                if let failed {
                    server.logger.info("api", "\(session.peer): \(failed); closing")
                    return close()
                }
            }
            let count = tls.pending
            guard count > 0 else { return }
            let memory = UnsafeMutableRawPointer.allocate(byteCount: count, alignment: 1)
            return write(memory, tls.take(into: memory, capacity: count))
        }
        guard !output.isEmpty else { return }
        let count = output.count
        let memory = output.withUnsafeBytes(RPCConnection.copy)
        // Emptied before the write: a failed write closes, and closing flushes.
        output.removeAll(keepingCapacity: true)
        write(memory, count)
    }

    /// A copy of `bytes` for libuv, which needs them until written (`write` frees it).
    private static func copy(_ bytes: UnsafeRawBufferPointer) -> UnsafeMutableRawPointer {
        let memory = UnsafeMutableRawPointer.allocate(byteCount: bytes.count, alignment: 1)
        memory.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        return memory
    }

    /// Writes `count` bytes at `memory` to the socket, and frees it when written.
    private func write(_ memory: UnsafeMutableRawPointer, _ count: Int) {
        let req = UnsafeMutablePointer<uv_write_t>.allocate(capacity: 1)
        req.pointee.data = memory
        var buf = uv_buf_init(memory.assumingMemoryBound(to: CChar.self), UInt32(count))
        let rc = uv_write(req, stream(tcp), &buf, 1) { req, _ in
            req!.pointee.data.deallocate()
            let s = req!.pointee.handle!
            req!.deallocate()
            guard let data = s.pointee.data else { return }
            LoopActor.assumeIsolated { Unmanaged<RPCConnection>.fromOpaque(data).takeUnretainedValue().written() }
        }
        if rc != 0 {
            memory.deallocate()
            req.deallocate()
            return close()
        }
        lastActivityMs = WallClock.monotonicMs()
        updateReading()
    }

    /// A write finished: once the client has caught up, read and handle
    /// its messages again.
    private func written() {
        lastActivityMs = WallClock.monotonicMs()
        if readingPaused && !closed && uv_stream_get_write_queue_size(stream(tcp)) < server.limits.writeHighWater / 2 {
            updateReading()
            process()
        }
    }

    /// Sends what is queued, then closes: for closing on an error the
    /// client should still read.
    func closeAfterWriting() {
        guard !closed, !ending else { return }
        ending = true
        buffer.removeAll()
        searchedUpTo = 0
        discarding = false
        flush()
        // Under TLS the session ends with close_notify, after the replies.
        tls?.shutdown()
        flush()
        uv_read_stop(stream(tcp))
        let req = UnsafeMutablePointer<uv_shutdown_t>.allocate(capacity: 1)
        let rc = uv_shutdown(req, stream(tcp)) { req, _ in
            let s = req!.pointee.handle!
            req!.deallocate()
            guard let data = s.pointee.data else { return }
            LoopActor.assumeIsolated { Unmanaged<RPCConnection>.fromOpaque(data).takeUnretainedValue().close() }
        }
        if rc != 0 {
            req.deallocate()
            close()
        }
    }

    func close() {
        guard !closed else { return }
        flush()
        closed = true
        session.push = nil
        server.forget(self)
        uv_close(handle(tcp)) { h in
            let conn = Unmanaged<RPCConnection>.fromOpaque(h!.pointee.data)
            h!.pointee.data = nil
            h!.withMemoryRebound(to: uv_tcp_t.self, capacity: 1) { $0.deallocate() }
            conn.release()
        }
    }
}
