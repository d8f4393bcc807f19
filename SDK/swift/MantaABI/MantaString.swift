import MantaSDK

extension String {
    /// Reads a borrowed manta_str_t.
    public init(manta s: manta_str_t) {
        guard let p = s.ptr, s.len > 0 else { self = ""; return }
        self = String(decoding: UnsafeRawBufferPointer(start: p, count: Int(s.len)), as: UTF8.self)
    }

    /// Lends the string as a manta_str_t for the duration of `body`.
    public func withManta<R>(_ body: (manta_str_t) throws -> R) rethrows -> R {
        var copy = self
        return try copy.withUTF8 { buf in
            try buf.withMemoryRebound(to: CChar.self) { c in
                try body(manta_str_t(ptr: c.baseAddress, len: UInt64(c.count)))
            }
        }
    }
}

/// The ABI's fixed message buffers (char message[MANTA_MESSAGE_SIZE]).
public enum ABIMessage {
    /// Copies `text` into a fixed C message buffer, truncated at a UTF-8
    /// boundary and NUL-terminated.
    public static func copy<T>(_ text: String, into buffer: inout T) {
        withUnsafeMutableBytes(of: &buffer) { raw in
            let room = raw.count - 1
            var bytes = Array(text.utf8.prefix(room))
            while let last = bytes.last, last & 0xC0 == 0x80 { bytes.removeLast() }  // drop a cut continuation
            if let last = bytes.last, last >= 0xC0 { bytes.removeLast() }  // and its lead byte
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
    }

    /// The text of a fixed C message buffer, up to its first NUL (or its end).
    public static func read<T>(_ buffer: T) -> String {
        withUnsafeBytes(of: buffer) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
    }
}
