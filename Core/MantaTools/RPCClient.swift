import CTLS
import Glibc
import MantaIO
import MantaJSON

/// A blocking JSON-RPC client for the line protocol: what the `manta` CLI
/// and the benchmarks use. One request at a time, or a pipelined burst.
public final class RPCClient {
    private let fd: Int32
    /// The TLS session when the host's API is served over TLS (`api.tls`).
    private var tls: OpaquePointer?
    private var buffer: [UInt8] = []
    private var nextID: Int64 = 1

    public struct Failure: Error, CustomStringConvertible {
        public let message: String
        public init(message: String) { self.message = message }
        public var description: String { message }
    }

    /// Connects to `address` ("HOST:PORT"), giving up after `timeoutMs`.
    /// With `tlsCA` (a PEM file of the certificates to trust) the
    /// connection is TLS and the host's certificate must match its address.
    public init(address: String, timeoutMs: Int = 5000, tlsCA: String? = nil) throws(Failure) {
        let parsed: HostPort
        do { parsed = try HostPort.parse(address) } catch { throw Failure(message: "--rpc: \(error)") }
        let port = UInt16(clamping: parsed.port)
        var host = parsed.host
        if host == "localhost" { host = "127.0.0.1" }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &addr.sin_addr) == 1 else { throw Failure(message: "--rpc: \(host) is not an IPv4 address") }
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(message: "socket: \(String(cString: strerror(errno)))") }
        var tv = timeval(tv_sec: timeoutMs / 1000, tv_usec: (timeoutMs % 1000) * 1000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw Failure(message: "cannot reach mantad at \(address): \(reason) (is it running? start it with `make run`)")
        }
        if let tlsCA {
            // OpenSSL writes with write(2), not send(MSG_NOSIGNAL): a host
            // that went away must be an error here, not a killed process.
            signal(SIGPIPE, SIG_IGN)
            var reason = [CChar](repeating: 0, count: 256)
            guard let session = mt_client_connect(fd, tlsCA, parsed.host, &reason, reason.count) else {
                close(fd)
                throw Failure(message: "TLS to \(address) failed: \(String(nulTerminated: reason))")
            }
            tls = session
        }
    }

    deinit {
        if let tls { mt_client_free(tls) }
        close(fd)
    }

    /// Sends one request and waits for its response object.
    public func call(_ method: String, _ params: JSON? = nil) throws(Failure) -> JSON {
        let id = nextID
        nextID += 1
        var request = JSONObject([("jsonrpc", "2.0"), ("method", .string(method))])
        if let params { request["params"] = params }
        request["id"] = .int(id)
        try sendLine(JSON.object(request))
        return try readResponse()
    }

    /// The result of a call, or the server's error as a Failure.
    public func result(_ method: String, _ params: JSON? = nil) throws(Failure) -> JSON {
        let response = try call(method, params)
        if let error = response["error"] {
            throw Failure(message: "error \(error["code"]?.integer ?? 0): \(error["message"]?.string ?? "")")
        }
        return response["result"] ?? .null
    }

    public func sendLine(_ value: JSON) throws(Failure) {
        var bytes: [UInt8] = []
        value.write(to: &bytes)
        bytes.append(0x0A)
        try sendRaw(bytes)
    }

    public func sendRaw(_ bytes: [UInt8]) throws(Failure) {
        if let tls {
            let rc = bytes.withUnsafeBytes { mt_client_write(tls, $0.baseAddress, $0.count) }
            guard rc == 0 else { throw Failure(message: "send: \(String(cString: mt_client_error(tls)))") }
            return
        }
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure(message: "send: \(String(cString: strerror(errno)))") }
            sent += n
        }
    }

    /// Reads one line and parses it.
    public func readResponse() throws(Failure) -> JSON {
        let line = try readLine()
        do {
            return try line.withUnsafeBytes { (raw) throws(JSONParseError) in try JSON.parse(raw) }
        } catch {
            throw Failure(message: "mantad sent something that is not JSON: \(error)")
        }
    }

    public func readLine() throws(Failure) -> [UInt8] {
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            if let nl = buffer.firstIndex(of: 0x0A) {
                let line = Array(buffer[..<nl])
                buffer.removeSubrange(...nl)
                return line
            }
            let n = chunk.withUnsafeMutableBytes { receive(into: $0) }
            guard n > 0 else {
                let reason = tls.map { String(cString: mt_client_error($0)) } ?? String(cString: strerror(errno))
                throw Failure(message: n == 0 ? "mantad closed the connection" : "no answer from mantad: \(reason)")
            }
            buffer.append(contentsOf: chunk[0..<n])
        }
    }

    private func receive(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        if let tls { return mt_client_read(tls, buffer.baseAddress, buffer.count) }
        return recv(fd, buffer.baseAddress, buffer.count, 0)
    }
}
