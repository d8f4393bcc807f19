/// Splits CSV text into lines and fields. Handles CRLF, a UTF-8 byte order
/// mark and double-quoted fields with doubled quotes inside, which is all
/// AEMO's files use.
struct CSVLines: Sequence {
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) {
        // Drop a UTF-8 BOM so the first header name compares equal.
        self.bytes = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
    }

    /// (1-based line number, fields); blank lines are skipped.
    struct Iterator: IteratorProtocol {
        let bytes: [UInt8]
        var position = 0
        var line = 0

        mutating func next() -> (line: Int, fields: [String])? {
            while position < bytes.count {
                line += 1
                var end = position
                while end < bytes.count, bytes[end] != 0x0A { end += 1 }
                var stop = end
                if stop > position, bytes[stop - 1] == 0x0D { stop -= 1 }
                let start = position
                position = end + 1
                if stop > start { return (line, CSVLines.fields(bytes[start..<stop])) }
            }
            return nil
        }
    }

    func makeIterator() -> Iterator { Iterator(bytes: bytes) }

    static func fields(_ line: ArraySlice<UInt8>) -> [String] {
        var out: [String] = []
        var field: [UInt8] = []
        var quoted = false
        var i = line.startIndex
        while i < line.endIndex {
            let b = line[i]
            if quoted {
                if b == 0x22 {
                    if i + 1 < line.endIndex, line[i + 1] == 0x22 {
                        field.append(0x22)
                        i += 1
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(b)
                }
            } else if b == 0x22 {
                quoted = true
            } else if b == 0x2C {
                out.append(String(decoding: field, as: UTF8.self))
                field.removeAll(keepingCapacity: true)
            } else {
                field.append(b)
            }
            i += 1
        }
        out.append(String(decoding: field, as: UTF8.self))
        return out
    }
}
