import Glibc
import MantaIO

/// One TCP connection with deadlines on every operation: connect, send and
/// receive each give up at a wall-clock deadline instead of blocking, so a
/// dead or silent device costs its caller a bounded time.
public final class TCPConnection {
    public let host: String
    public let port: Int
    private var fd: Int32 = -1

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    deinit { close() }

    public var isOpen: Bool { fd >= 0 }

    /// Connects, trying each address the host name resolves to, within
    /// `timeoutMs` in all.
    public func open(timeoutMs: Int) throws(ModbusError) {
        close()
        let deadline = WallClock.monotonicMs() + Int64(timeoutMs)
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            throw .connect("\(host): \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(list) }
        var lastError = "no address"
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let a = entry {
            entry = a.pointee.ai_next
            let s = socket(a.pointee.ai_family, a.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), a.pointee.ai_protocol)
            guard s >= 0 else { lastError = String(cString: strerror(errno)); continue }
            _ = fcntl(s, F_SETFL, fcntl(s, F_GETFL) | O_NONBLOCK)
            var one: Int32 = 1
            _ = setsockopt(s, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            if Glibc.connect(s, a.pointee.ai_addr, a.pointee.ai_addrlen) == 0 || errno == EINPROGRESS {
                if let why = wait(s, events: Int16(POLLOUT), until: deadline) {
                    lastError = why
                } else {
                    var err: Int32 = 0
                    var len = socklen_t(MemoryLayout<Int32>.size)
                    getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len)
                    if err == 0 {
                        fd = s
                        return
                    }
                    lastError = String(cString: strerror(err))
                }
            } else {
                lastError = String(cString: strerror(errno))
            }
            Glibc.close(s)
            if WallClock.monotonicMs() >= deadline { break }
        }
        throw .connect("\(host):\(port): \(lastError)")
    }

    public func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    /// Sends all of `bytes` before `deadline` (monotonic ms).
    public func send(_ bytes: [UInt8], deadline: Int64) throws(ModbusError) {
        guard fd >= 0 else { throw .closed }
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            if n > 0 { sent += n; continue }
            if n < 0 && errno != EAGAIN && errno != EINTR {
                let why = String(cString: strerror(errno))
                close()
                throw errno == EPIPE || errno == ECONNRESET ? .closed : .connect("send: \(why)")
            }
            if let why = wait(fd, events: Int16(POLLOUT), until: deadline) { throw .timeout("sending: \(why)") }
        }
    }

    /// Receives exactly `count` bytes before `deadline`.
    public func receive(_ count: Int, deadline: Int64) throws(ModbusError) -> [UInt8] {
        guard fd >= 0 else { throw .closed }
        var out = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = out.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress! + got, count - got, 0) }
            if n > 0 { got += n; continue }
            if n == 0 {
                close()
                throw .closed
            }
            if errno != EAGAIN && errno != EINTR {
                let why = String(cString: strerror(errno))
                close()
                throw errno == ECONNRESET ? .closed : .connect("receive: \(why)")
            }
            if let why = wait(fd, events: Int16(POLLIN), until: deadline) {
                throw .timeout(got == 0 ? why : "\(why) after \(got) of \(count) bytes")
            }
        }
        return out
    }

    /// Waits for `events` on `s`; nil when ready, else why not.
    private func wait(_ s: Int32, events: Int16, until deadline: Int64) -> String? {
        while true {
            let left = deadline - WallClock.monotonicMs()
            guard left > 0 else { return "no answer in time" }
            var p = pollfd(fd: s, events: events, revents: 0)
            let r = poll(&p, 1, Int32(min(left, Int64(Int32.max))))
            if r > 0 { return nil }
            if r < 0 && errno != EINTR { return String(cString: strerror(errno)) }
        }
    }
}
