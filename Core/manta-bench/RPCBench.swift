import Foundation
@_spi(Benchmarks) import MantaHost
import MantaIO
import MantaJSON
import MantaTools

/// JSON-RPC over TCP on one connection: pipelined throughput and sequential
/// latency, against the same requests handled in process (no socket).
enum RPCBench {
    static func line(_ method: String, id: Int) -> [UInt8] {
        var out: [UInt8] = []
        JSON.object(JSONObject([("jsonrpc", "2.0"), ("method", .string(method)), ("id", .int(id))])).write(to: &out)
        out.append(0x0A)
        return out
    }

    final class Shared: @unchecked Sendable {
        let client: RPCClient
        init(_ c: RPCClient) { client = c }
    }

    /// Sends `n` requests as fast as the socket takes them while another
    /// thread reads the `n` replies. Returns requests per second.
    static func pipelined(_ address: String, method: String, n: Int) throws -> Double {
        let shared = Shared(try RPCClient(address: address, timeoutMs: 60_000))
        var burst: [UInt8] = []
        for i in 0..<1000 { burst += line(method, id: i) }
        let done = DispatchSemaphore(value: 0)
        let start = WallClock.monotonicNs()
        Thread.detachNewThread {
            for _ in 0..<n { _ = try? shared.client.readLine() }
            done.signal()
        }
        for _ in 0..<(n / 1000) { try shared.client.sendRaw(burst) }
        done.wait()
        return Double(n) / (Double(WallClock.monotonicNs() - start) / 1e9)
    }

    /// One request at a time; returns the sorted round-trip times in µs.
    static func sequential(_ address: String, method: String, n: Int) throws -> [Double] {
        let client = try RPCClient(address: address)
        var times: [Double] = []
        times.reserveCapacity(n)
        for i in 0..<n {
            let t = WallClock.monotonicNs()
            try client.sendRaw(line(method, id: i))
            _ = try client.readLine()
            times.append(Double(WallClock.monotonicNs() - t) / 1000)
        }
        return times.sorted()
    }

    static func run(root: String, requests: Int, into report: inout Report) throws {
        let host = try BenchHost(root: root, plugins: [])
        defer { host.stop() }
        var rows: [[String]] = []
        for method in ["vpps.list", "host.info"] {
            let tcp = try pipelined(host.address, method: method, n: requests)
            let inProcess = Double(requests) / host.runtime.timeInProcess(Array(line(method, id: 1).dropLast()), count: requests)
            let seq = try sequential(host.address, method: method, n: 20_000)
            let p50 = seq[seq.count / 2], p99 = seq[seq.count * 99 / 100]
            rows.append([method, grouped(tcp), grouped(inProcess), "\(fixed(tcp / inProcess, 2))x", fixed(p50, 1), fixed(p99, 1)])
        }
        report.section(
            "JSON-RPC over TCP, one connection", command: "make bench   # or: .build/release/manta-bench --requests \(requests)",
            header: ["method", "pipelined req/s (target >= 100,000)", "same requests in process, no socket (reference)", "ratio",
                     "sequential p50 us", "sequential p99 us"],
            rows: rows,
            notes: ["Pipelined: \(grouped(Double(requests))) requests written in bursts of 1,000 by one thread while another reads the replies; the server coalesces the replies to one read into one write. Sequential: 20,000 round trips, one request in flight. `vpps.list` is a minimal method (an empty list here); `host.info` builds a 30-field object. Client and server share the machine's 2 cores."])
    }
}
