import CZlib

/// Reads the entries of a zip archive held in memory: what NEMWeb serves
/// its reports in (one CSV per zip, deflated).
public enum ZipArchive {
    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    public struct Entry: Sendable {
        public var name: String
        public var bytes: [UInt8]
    }

    /// The most an entry may hold uncompressed unless the caller says
    /// otherwise: 512 MiB, far above any NEMWeb report (a few MiB), far
    /// below what a zip bomb would have us allocate.
    public static let defaultMaxEntryBytes = 512 << 20

    /// Every file in the archive, found through the central directory (the
    /// authoritative list; local headers may omit sizes). Each entry's
    /// CRC-32 is checked; an entry that declares (or would inflate to) more
    /// than `maxEntryBytes` is refused before anything is allocated for it.
    public static func entries(_ zip: [UInt8], maxEntryBytes: Int = defaultMaxEntryBytes) throws(Invalid) -> [Entry] {
        func u16(_ o: Int) -> Int { Int(zip[o]) | Int(zip[o + 1]) << 8 }
        func u32(_ o: Int) -> Int { u16(o) | u16(o + 2) << 16 }
        // End of central directory: signature 0x06054b50, within the last 64 KiB + 22 bytes.
        guard zip.count >= 22 else { throw Invalid(description: "not a zip archive: \(zip.count) bytes") }
        var eocd = zip.count - 22
        while eocd > max(0, zip.count - 65_557), u32(eocd) != 0x0605_4b50 { eocd -= 1 }
        guard u32(eocd) == 0x0605_4b50 else { throw Invalid(description: "not a zip archive: no end of central directory") }
        let count = u16(eocd + 10)
        var p = u32(eocd + 16)
        var out: [Entry] = []
        for _ in 0..<count {
            guard p + 46 <= zip.count, u32(p) == 0x0201_4b50 else { throw Invalid(description: "damaged central directory") }
            let method = u16(p + 10), crc = u32(p + 16), compressed = u32(p + 20), size = u32(p + 24)
            let nameLength = u16(p + 28), extra = u16(p + 30), comment = u16(p + 32), local = u32(p + 42)
            guard p + 46 + nameLength <= zip.count else { throw Invalid(description: "damaged central directory") }
            let name = String(decoding: zip[(p + 46)..<(p + 46 + nameLength)], as: UTF8.self)
            // A stored entry's size is its compressed size; 0xFFFFFFFF (ZIP64) is over any sane limit.
            guard size <= maxEntryBytes, method != 0 || compressed <= maxEntryBytes else {
                throw Invalid(description: "\(name): \(max(size, compressed)) bytes uncompressed, over the limit of \(maxEntryBytes)")
            }
            guard local + 30 <= zip.count, u32(local) == 0x0403_4b50 else { throw Invalid(description: "\(name): damaged local header") }
            let start = local + 30 + u16(local + 26) + u16(local + 28)
            guard start + compressed <= zip.count else { throw Invalid(description: "\(name): truncated") }
            let data = Array(zip[start..<(start + compressed)])
            let bytes: [UInt8]
            switch method {
            case 0:
                bytes = data
            case 8:
                // The buffer is the declared size: a stream that inflates to
                // more does not fit, and is refused as corrupt.
                var inflated = [UInt8](repeating: 0, count: max(size, 1))
                let n = data.withUnsafeBufferPointer { src in
                    inflated.withUnsafeMutableBufferPointer { dst in
                        manta_inflate_raw(src.baseAddress, UInt(src.count), dst.baseAddress, UInt(dst.count))
                    }
                }
                guard n == size else {
                    throw Invalid(description: "\(name): corrupt deflate data (or more than the \(size) bytes it declares)")
                }
                inflated.removeLast(inflated.count - size)
                bytes = inflated
            default:
                throw Invalid(description: "\(name): compression method \(method) not supported (only stored and deflate)")
            }
            let actual = crc32(of: bytes)
            guard actual == crc else {
                throw Invalid(description: "\(name): CRC-32 mismatch (the archive says \(hex(crc)), the data is \(hex(actual))): damaged")
            }
            out.append(Entry(name: name, bytes: bytes))
            p += 46 + nameLength + extra + comment
        }
        return out
    }

    /// zlib's CRC-32 of `bytes`, fed in chunks that fit its 32-bit length.
    static func crc32(of bytes: [UInt8]) -> Int {
        var crc = CZlib.crc32(0, nil, 0)
        bytes.withUnsafeBufferPointer { buf in
            var at = 0
            while at < buf.count {
                let n = min(buf.count - at, 1 << 30)
                crc = CZlib.crc32(crc, buf.baseAddress! + at, UInt32(n))
                at += n
            }
        }
        return Int(crc)
    }

    static func hex(_ v: Int) -> String {
        let digits = String(v, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }
}
