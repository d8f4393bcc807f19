import Glibc

/// The frames between the host and a plugin runner (`manta-runner`): a u32
/// length of what follows, a u8 message type, a u32 call id, then the
/// message's fields, fixed-width little-endian, strings as a u32 byte count
/// and UTF-8. Only create's config is JSON.
public enum RunnerMessage: UInt8, Sendable {
    // host -> runner (each carries the host clock first; see RunnerClock)
    case create = 1, start, stop, destroy, callback, describe, apply, decide, fetchPrices, submitBid
    // runner -> host
    case hello = 64, reply, log, reportError, requestCallback, samples, prices, linkState
}

/// The most a frame may hold; a larger length is a protocol violation.
let runnerMaxFrame = 64 << 20

/// Builds one frame.
struct FrameWriter {
    private(set) var bytes: [UInt8]

    init(_ type: RunnerMessage, call: UInt32) {
        bytes = [0, 0, 0, 0, type.rawValue]
        bytes.reserveCapacity(64)
        u32(call)
    }

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func i32(_ v: Int32) { u32(UInt32(bitPattern: v)) }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func i64(_ v: Int64) { u64(UInt64(bitPattern: v)) }
    mutating func f64(_ v: Double) { u64(v.bitPattern) }
    mutating func bool(_ v: Bool) { u8(v ? 1 : 0) }
    mutating func appendRaw(_ b: UnsafeRawBufferPointer) { bytes.append(contentsOf: b) }
    mutating func str(_ s: String) {
        var s = s
        s.withUTF8 { b in
            u32(UInt32(b.count))
            bytes.append(contentsOf: b)
        }
    }

    /// The frame with its length filled in.
    var frame: [UInt8] {
        var out = bytes
        let n = UInt32(out.count - 4).littleEndian
        withUnsafeBytes(of: n) { for i in 0..<4 { out[i] = $0[i] } }
        return out
    }
}

/// A frame that does not parse: the peer broke the protocol.
struct ProtocolViolation: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// Reads one frame's fields in order; every read is bounds-checked.
struct FrameReader {
    let type: RunnerMessage
    let call: UInt32
    private let bytes: [UInt8]
    private var at: Int

    /// `body` is a frame without its length prefix.
    init(_ body: [UInt8]) throws(ProtocolViolation) {
        guard body.count >= 5, let t = RunnerMessage(rawValue: body[0]) else {
            throw ProtocolViolation("unknown or short frame (\(body.first.map { "type \($0)" } ?? "empty"))")
        }
        type = t
        bytes = body
        at = 1
        var c: UInt32 = 0
        for i in 0..<4 { c |= UInt32(body[1 + i]) << (8 * UInt32(i)) }
        call = c
        at = 5
    }

    private mutating func take(_ n: Int) throws(ProtocolViolation) -> ArraySlice<UInt8> {
        guard n >= 0, bytes.count - at >= n else { throw ProtocolViolation("\(type) frame ends early") }
        defer { at += n }
        return bytes[at..<at + n]
    }

    mutating func u8() throws(ProtocolViolation) -> UInt8 { try take(1).first! }
    /// The next `n` bytes as raw memory, for `body` to copy from.
    mutating func raw<T>(_ n: Int, _ body: (UnsafeRawBufferPointer) -> T) throws(ProtocolViolation) -> T {
        let slice = try take(n)
        return slice.withUnsafeBytes(body)
    }
    mutating func u64() throws(ProtocolViolation) -> UInt64 {
        var v: UInt64 = 0
        for (i, b) in try take(8).enumerated() { v |= UInt64(b) << (8 * UInt64(i)) }
        return v
    }
    mutating func u32() throws(ProtocolViolation) -> UInt32 {
        var v: UInt32 = 0
        for (i, b) in try take(4).enumerated() { v |= UInt32(b) << (8 * UInt32(i)) }
        return v
    }
    mutating func i32() throws(ProtocolViolation) -> Int32 { Int32(bitPattern: try u32()) }
    mutating func i64() throws(ProtocolViolation) -> Int64 { Int64(bitPattern: try u64()) }
    mutating func f64() throws(ProtocolViolation) -> Double { Double(bitPattern: try u64()) }
    mutating func bool() throws(ProtocolViolation) -> Bool { try u8() != 0 }
    mutating func str() throws(ProtocolViolation) -> String {
        let n = Int(try u32())
        return String(decoding: try take(n), as: UTF8.self)
    }
    /// A count of items each at least `minBytes` long, checked against what is left.
    mutating func count(minBytes: Int) throws(ProtocolViolation) -> Int {
        let n = Int(try u32())
        guard n <= (bytes.count - at) / max(1, minBytes) else { throw ProtocolViolation("\(type) frame counts \(n) items it does not hold") }
        return n
    }
}

/// Blocking frame I/O on a stream socket. Writes from several threads are
/// serialised by the caller.
enum FrameIO {
    /// Writes the whole frame; false once the peer is gone.
    static func write(_ fd: Int32, _ frame: [UInt8]) -> Bool {
        var done = 0
        while done < frame.count {
            let n = frame.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + done, frame.count - done, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            done += n
        }
        return true
    }

    /// The next frame's body; nil at end of stream. Throws on a bad length.
    static func read(_ fd: Int32) throws(ProtocolViolation) -> [UInt8]? {
        var head = [UInt8](repeating: 0, count: 4)
        guard exact(fd, &head) else { return nil }
        let n = Int(head[0]) | Int(head[1]) << 8 | Int(head[2]) << 16 | Int(head[3]) << 24
        guard n >= 5, n <= runnerMaxFrame else { throw ProtocolViolation("frame length \(n)") }
        var body = [UInt8](repeating: 0, count: n)
        guard exact(fd, &body) else { return nil }
        return body
    }

    private static func exact(_ fd: Int32, _ buf: inout [UInt8]) -> Bool {
        var got = 0
        let total = buf.count
        while got < total {
            let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + got, total - got) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            got += n
        }
        return true
    }
}
