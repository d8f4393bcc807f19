import Foundation
import Glibc
import MantaIO

/// Subscribers on many connections read by one thread: how many
/// notifications the host delivers to all of them per second.
enum FanOut {
    struct Rate {
        var perSecond: Double
        var mbPerSecond: Double
    }

    /// Counts whole messages in a connection's byte stream: WebSocket
    /// frames (server frames are unmasked) or newline-ended lines.
    final class Counter {
        let websocket: Bool
        var pending: [UInt8] = []
        var messages = 0
        init(websocket: Bool) { self.websocket = websocket }

        func feed(_ bytes: ArraySlice<UInt8>) {
            guard websocket else {
                messages += bytes.reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
                return
            }
            pending += bytes
            var at = 0
            while pending.count - at >= 2 {
                let fin = pending[at] & 0x80 != 0
                var length = Int(pending[at + 1] & 0x7F), header = 2
                if length == 126 {
                    guard pending.count - at >= 4 else { break }
                    length = Int(pending[at + 2]) << 8 | Int(pending[at + 3])
                    header = 4
                } else if length == 127 {
                    guard pending.count - at >= 10 else { break }
                    length = (0..<8).reduce(0) { $0 << 8 | Int(pending[at + 2 + $1]) }
                    header = 10
                }
                guard pending.count - at >= header + length else { break }
                if fin { messages += 1 }
                at += header + length
            }
            pending.removeFirst(at)
        }
    }

    static let subscribe = #"{"jsonrpc":"2.0","id":1,"method":"subscribe","params":{"topics":["telemetry"],"throttle_ms":100}}"#

    /// A client frame: text, final, masked (a zero mask, as a client must send one).
    static func frame(_ text: String) -> [UInt8] {
        let payload = Array(text.utf8)
        var out: [UInt8] = [0x81]
        if payload.count < 126 { out.append(0x80 | UInt8(payload.count)) } else {
            out += [0x80 | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        }
        return out + [0, 0, 0, 0] + payload
    }

    static func open(websocket: Bool, port: Int) throws -> Int32 {
        let fd = try WebBench.connect(port)
        if websocket {
            WebBench.send(fd, Array(("GET /ws HTTP/1.1\r\nHost: bench\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").utf8))
            var got: [UInt8] = [], buffer = [UInt8](repeating: 0, count: 4096)
            while WebBench.headersEnd(got) == nil {
                let r = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                guard r > 0 else { throw RPCClientError("WebSocket handshake refused") }
                got += buffer[0..<r]
            }
            WebBench.send(fd, frame(subscribe))
        } else {
            WebBench.send(fd, Array((subscribe + "\n").utf8))
        }
        return fd
    }

    struct RPCClientError: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }

    static func rate(websocket: Bool, port: Int, subscribers: Int, seconds: Double) throws -> Rate {
        var fds: [Int32] = []
        for _ in 0..<subscribers { fds.append(try open(websocket: websocket, port: port)) }
        defer { fds.forEach { close($0) } }
        let counters = fds.map { _ in Counter(websocket: websocket) }
        var polls = fds.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var bytes = 0
        func drain(until end: UInt64, counting: Bool) {
            while WallClock.monotonicNs() < end {
                guard poll(&polls, nfds_t(polls.count), 50) > 0 else { continue }
                for i in polls.indices where polls[i].revents & Int16(POLLIN) != 0 {
                    let r = buffer.withUnsafeMutableBytes { read(polls[i].fd, $0.baseAddress, $0.count) }
                    guard r > 0 else { continue }
                    if counting {
                        bytes += r
                        counters[i].feed(buffer[0..<r])
                    } else {
                        counters[i].feed(buffer[0..<r])
                        counters[i].messages = 0
                    }
                }
            }
        }
        drain(until: WallClock.monotonicNs() + 1_000_000_000, counting: false)
        drain(until: WallClock.monotonicNs() + UInt64(seconds * 1e9), counting: true)
        let messages = counters.reduce(0) { $0 + $1.messages }
        return Rate(perSecond: Double(messages) / seconds, mbPerSecond: Double(bytes) / seconds / 1e6)
    }

    static func measure(httpPort: Int, tcpPort: Int, subscribers: Int, seconds: Double) throws -> (ws: Rate, tcp: Rate) {
        let ws = try rate(websocket: true, port: httpPort, subscribers: subscribers, seconds: seconds)
        Thread.sleep(forTimeInterval: 0.5)  // the closed subscribers are gone
        let tcp = try rate(websocket: false, port: tcpPort, subscribers: subscribers, seconds: seconds)
        return (ws, tcp)
    }
}
