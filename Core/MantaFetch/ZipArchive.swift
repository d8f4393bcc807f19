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

    /// Every file in the archive, found through the central directory (the
    /// authoritative list; local headers may omit sizes).
    public static func entries(_ zip: [UInt8]) throws(Invalid) -> [Entry] {
        func u16(_ o: Int) -> Int { Int(zip[o]) | Int(zip[o + 1]) << 8 }
        func u32(_ o: Int) -> Int { u16(o) | u16(o + 2) << 16 }
        // End of central directory: signature 0x06054b50, within the last 64 KiB + 22 bytes.
        guard zip.count >= 22 else { throw Invalid(description: "not a zip archive: \(zip.count) bytes") }
        var eocd = zip.count - 22
        while eocd >= max(0, zip.count - 65_557), u32(eocd) != 0x0605_4b50 { eocd -= 1 }
        guard eocd >= 0, u32(eocd) == 0x0605_4b50 else { throw Invalid(description: "not a zip archive: no end of central directory") }
        let count = u16(eocd + 10)
        var p = u32(eocd + 16)
        var out: [Entry] = []
        for _ in 0..<count {
            guard p + 46 <= zip.count, u32(p) == 0x0201_4b50 else { throw Invalid(description: "damaged central directory") }
            let method = u16(p + 10), compressed = u32(p + 20), size = u32(p + 24)
            let nameLength = u16(p + 28), extra = u16(p + 30), comment = u16(p + 32), local = u32(p + 42)
            guard p + 46 + nameLength <= zip.count else { throw Invalid(description: "damaged central directory") }
            let name = String(decoding: zip[(p + 46)..<(p + 46 + nameLength)], as: UTF8.self)
            guard local + 30 <= zip.count, u32(local) == 0x0403_4b50 else { throw Invalid(description: "\(name): damaged local header") }
            let start = local + 30 + u16(local + 26) + u16(local + 28)
            guard start + compressed <= zip.count else { throw Invalid(description: "\(name): truncated") }
            let data = Array(zip[start..<(start + compressed)])
            switch method {
            case 0:
                out.append(Entry(name: name, bytes: data))
            case 8:
                var inflated = [UInt8](repeating: 0, count: max(size, 1))
                let n = data.withUnsafeBufferPointer { src in
                    inflated.withUnsafeMutableBufferPointer { dst in
                        manta_inflate_raw(src.baseAddress, UInt(src.count), dst.baseAddress, UInt(dst.count))
                    }
                }
                guard n == size else { throw Invalid(description: "\(name): corrupt deflate data") }
                out.append(Entry(name: name, bytes: inflated))
            default:
                throw Invalid(description: "\(name): compression method \(method) not supported (only stored and deflate)")
            }
            p += 46 + nameLength + extra + comment
        }
        return out
    }
}
