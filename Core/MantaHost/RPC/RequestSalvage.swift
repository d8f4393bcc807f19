/// What can still be read from a request jansson refused: whether it is
/// valid JSON holding a value Manta cannot represent (an integer beyond
/// int64, a number beyond double, a NUL in a key, a lone surrogate), and
/// then the request's id, so that the answer is -32602 to that id rather
/// than a parse error to null.
enum RequestSalvage {
    /// jansson's messages for JSON that is valid but not representable.
    static let unrepresentable = ["too big integer", "too big negative integer", "real number overflow",
                                  "NUL byte in object key", "invalid Unicode", "unicode"]

    static func isUnrepresentable(_ message: String) -> Bool {
        let m = message.lowercased()
        return unrepresentable.contains { m.contains($0.lowercased()) }
    }

    /// The top-level "id" member of an object, when it is a number, a
    /// plain string or null: a bounded scan that tracks strings and depth,
    /// and reads nothing else.
    static func id(in bytes: UnsafeRawBufferPointer) -> JSONID? {
        var i = 0, depth = 0
        let n = bytes.count
        func skipSpace() { while i < n, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 } }
        /// A string starting at i (a quote); returns its raw content, moves past it.
        func string() -> [UInt8]? {
            guard i < n, bytes[i] == 0x22 else { return nil }
            i += 1
            var out: [UInt8] = []
            while i < n {
                let c = bytes[i]
                if c == 0x5C { out.append(c); if i + 1 < n { out.append(bytes[i + 1]) }; i += 2; continue }
                if c == 0x22 { i += 1; return out }
                out.append(c)
                i += 1
            }
            return nil
        }
        skipSpace()
        guard i < n, bytes[i] == 0x7B else { return nil }
        i += 1  // inside the top-level object: depth 0
        while i < n, depth >= 0 {
            let c = bytes[i]
            if c == 0x22 {
                guard let text = string() else { return nil }
                skipSpace()
                if depth == 0, i < n, bytes[i] == 0x3A {  // a top-level key
                    i += 1
                    skipSpace()
                    if text == Array("id".utf8) { return value() }
                }
                continue
            }
            if c == 0x7B || c == 0x5B { depth += 1 } else if c == 0x7D || c == 0x5D { depth -= 1 }
            i += 1
        }
        return nil

        func value() -> JSONID? {
            guard i < n else { return nil }
            if bytes[i] == 0x22 {
                guard let raw = string(), !raw.contains(0x5C) else { return nil }
                return .string(String(decoding: raw, as: UTF8.self))
            }
            var j = i
            while j < n, (0x30...0x39).contains(bytes[j]) || bytes[j] == 0x2D { j += 1 }
            if j > i, j == n || [0x2C, 0x7D, 0x20, 0x09, 0x0A, 0x0D].contains(bytes[j]),
               let v = Int64(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[i..<j]), as: UTF8.self)) {
                return .int(v)
            }
            if n - i >= 4, Array(bytes[i..<i + 4]) == Array("null".utf8) { return .null }
            return nil
        }
    }

    enum JSONID {
        case string(String), int(Int64), null
    }

    /// Whether `bytes` is a batch of more than `limit` requests, found by a
    /// scan of its top level (strings and nesting tracked) that stops as soon
    /// as it knows: an over-long batch is refused without being parsed.
    static func batchExceeds(_ limit: Int, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        let n = bytes.count
        while i < n, [0x20, 0x09, 0x0D].contains(bytes[i]) { i += 1 }
        guard i < n, bytes[i] == 0x5B else { return false }
        var depth = 0, items = 1, inString = false
        i += 1
        while i < n {
            let c = bytes[i]
            if inString {
                if c == 0x5C { i += 2; continue }
                if c == 0x22 { inString = false }
            } else {
                switch c {
                case 0x22: inString = true
                case 0x7B, 0x5B: depth += 1
                case 0x7D: depth -= 1
                case 0x5D:
                    if depth == 0 { return false }
                    depth -= 1
                case 0x2C where depth == 0:
                    items += 1
                    if items > limit { return true }
                default: break
                }
            }
            i += 1
        }
        return false
    }
}
