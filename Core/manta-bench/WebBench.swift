import Foundation
import Glibc
@_spi(Benchmarks) import MantaHost
import MantaIO
import MantaJSON
import MantaTools

/// JSON-RPC over HTTP keep-alive connections against the TCP API, and
/// WebSocket notification fan-out against TCP subscribers, on one host in
/// the same run.
enum WebBench {
    /// A blocking socket to 127.0.0.1:`port`.
    static func connect(_ port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, 16) } }
        guard rc == 0 else { throw RPCClient.Failure(message: "connect 127.0.0.1:\(port): \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, 4)
        return fd
    }

    static func send(_ fd: Int32, _ bytes: [UInt8]) {
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return }
            off += n
        }
    }

    /// `n` POST /rpc round trips on one keep-alive connection; seconds.
    static func http(_ port: Int, method: String, n: Int) throws -> Double {
        let fd = try connect(port)
        defer { close(fd) }
        let body = Array(RPCBench.line(method, id: 1).dropLast())
        let request = Array("POST /rpc HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        let start = WallClock.monotonicNs()
        for _ in 0..<n {
            send(fd, request)
            // Headers, then Content-Length bytes of body.
            var got: [UInt8] = []
            var need = Int.max
            while got.count < need {
                let r = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                guard r > 0 else { throw RPCClient.Failure(message: "HTTP connection closed") }
                got += buffer[0..<r]
                if need == Int.max, let end = headersEnd(got) {
                    let head = String(decoding: got[0..<end], as: UTF8.self).lowercased()
                    let length = head.components(separatedBy: "content-length: ").dropFirst().first.flatMap { Int($0.prefix { $0.isNumber }) } ?? 0
                    need = end + 4 + length
                }
            }
        }
        return Double(WallClock.monotonicNs() - start) / 1e9
    }

    static func headersEnd(_ b: [UInt8]) -> Int? {
        guard b.count >= 4 else { return nil }
        for i in 0...(b.count - 4) where b[i] == 13 && b[i + 1] == 10 && b[i + 2] == 13 && b[i + 3] == 10 { return i }
        return nil
    }

    /// `n` round trips on one TCP connection; seconds.
    static func tcp(_ port: Int, method: String, n: Int) throws -> Double {
        let client = try RPCClient(address: "127.0.0.1:\(port)")
        let start = WallClock.monotonicNs()
        for i in 0..<n {
            try client.sendRaw(RPCBench.line(method, id: i))
            _ = try client.readLine()
        }
        return Double(WallClock.monotonicNs() - start) / 1e9
    }

    /// Requests per second over `connections` clients at once, one thread each.
    static func concurrently(_ connections: Int, _ perClient: Int, _ body: @escaping @Sendable () throws -> Double) -> Double {
        let group = DispatchGroup()
        let start = WallClock.monotonicNs()
        for _ in 0..<connections {
            group.enter()
            Thread.detachNewThread {
                _ = try? body()
                group.leave()
            }
        }
        group.wait()
        return Double(connections * perClient) / (Double(WallClock.monotonicNs() - start) / 1e9)
    }

    static func run(root: String, into report: inout Report) throws {
        let host = try BenchHost(root: root, plugins: [[
            "instance": "homes", "plugin": "manta.sim", "config": ["homes": 200, "publish_interval_ms": 1000],
        ]], api: ["listen": "127.0.0.1:0", "http": ["listen": "127.0.0.1:0"], "max_connections": 4096])
        defer { host.stop() }
        let tcpPort = host.runtime.rpcPort, httpPort = host.runtime.httpPort!
        var rows: [[String]] = []
        for clients in [1, 4] {
            let n = 20_000 / clients
            let overHTTP = concurrently(clients, n) { try http(httpPort, method: "host.info", n: n) }
            let overTCP = concurrently(clients, n) { try tcp(tcpPort, method: "host.info", n: n) }
            rows.append(["host.info, \(clients) keep-alive connection\(clients > 1 ? "s" : "")", grouped(overHTTP), grouped(overTCP),
                         "\(fixed(overHTTP / overTCP, 2))x"])
        }
        report.section(
            "JSON-RPC over HTTP", command: "make bench   # or: .build/release/manta-bench --only web",
            header: ["requests", "POST /rpc req/s", "TCP API req/s (reference, same run)", "ratio"], rows: rows,
            notes: ["20,000 round trips in all, one request in flight per connection, each connection on its own client thread; the same host answers both. HTTP adds its request line, headers and a parse by libwebsockets to each call. Client and server share the machine's 2 cores."])

        let fan = try FanOut.measure(httpPort: httpPort, tcpPort: tcpPort, subscribers: 1000, seconds: 5)
        report.section(
            "Notification fan-out: 1,000 subscribers to telemetry", command: "make bench   # or: .build/release/manta-bench --only web",
            header: ["transport", "notifications/s delivered", "MB/s delivered", "ratio to TCP"],
            rows: [["WebSocket /ws", grouped(fan.ws.perSecond), fixed(fan.ws.mbPerSecond, 1), "\(fixed(fan.ws.perSecond / fan.tcp.perSecond, 2))x"],
                   ["TCP API (reference, same run)", grouped(fan.tcp.perSecond), fixed(fan.tcp.mbPerSecond, 1), "1.00x"]],
            notes: ["A host with 200 simulated homes publishing every second (1,200 samples/s); 1,000 connections each `subscribe` to telemetry with throttle_ms 100, read by one client thread polling all of them, counted over 5 s after a second's warm-up; first every subscriber on WebSockets, then as many on the TCP API. Each notification holds the latest value of each point that changed since the subscriber's last one."])
    }
}
