/// Walks CSV bytes line by line and marks where each field's bytes are,
/// copying nothing: a year of 5-minute prices is 4.9 MB, and building a
/// String per field cost four times what reading the figures does. Handles
/// CRLF, a UTF-8 byte order mark and double-quoted fields with doubled
/// quotes inside, which is all AEMO's files use. A line ends at every LF
/// (AEMO's fields never span lines); blank lines are skipped but counted.
///
/// The scanner borrows the bytes: use it inside `withUnsafeBufferPointer`.
struct CSVLines {
    let bytes: UnsafeBufferPointer<UInt8>
    private var position: Int
    private var line = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        // Skip a UTF-8 BOM so the first header name compares equal.
        position = bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0
    }

    /// Fills `row` with the next non-blank line's fields; false at the end.
    mutating func next(_ row: inout CSVRow) -> Bool {
        let n = bytes.count
        while position < n {
            line += 1
            row.line = line
            row.clear()
            var start = position, i = position, quoted = false
            while i < n {
                let b = bytes[i]
                if b == 0x0A { break }
                if b == 0x22 {
                    if quoted, i + 1 < n, bytes[i + 1] == 0x22 {
                        row.escaped = true
                        i += 1
                    } else {
                        quoted.toggle()
                    }
                } else if b == 0x2C && !quoted {
                    row.append(start, i, bytes)
                    start = i + 1
                }
                i += 1
            }
            var stop = i
            if stop > start, bytes[stop - 1] == 0x0D { stop -= 1 }
            let blank = stop == position
            position = i + 1
            if !blank {
                row.append(start, stop, bytes)
                return true
            }
        }
        return false
    }

    /// Every non-blank line's fields as strings (for small texts and tests).
    static func texts(_ bytes: [UInt8]) -> [(line: Int, fields: [String])] {
        bytes.withUnsafeBufferPointer { buffer in
            var lines = CSVLines(buffer), row = CSVRow(buffer), out: [(Int, [String])] = []
            while lines.next(&row) { out.append((row.line, row.texts)) }
            return out
        }
    }
}

/// One CSV line: where each field's bytes are (surrounding quotes left
/// out), read as text, numbers and times only when asked. Reused from line
/// to line so that scanning allocates nothing.
struct CSVRow {
    let bytes: UnsafeBufferPointer<UInt8>
    /// 1-based line number in the file.
    var line = 0
    private var starts: [Int] = []
    private var ends: [Int] = []
    /// Some field of the line holds a doubled quote ("") to be unescaped.
    fileprivate(set) var escaped = false

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        starts.reserveCapacity(64)
        ends.reserveCapacity(64)
    }

    var count: Int { starts.count }

    fileprivate mutating func clear() {
        starts.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        escaped = false
    }

    fileprivate mutating func append(_ start: Int, _ end: Int, _ bytes: UnsafeBufferPointer<UInt8>) {
        if end - start >= 2, bytes[start] == 0x22, bytes[end - 1] == 0x22 {
            starts.append(start + 1)
            ends.append(end - 1)
        } else {
            starts.append(start)
            ends.append(end)
        }
    }

    /// The bytes of field `i` (quotes left out, doubled quotes as they are).
    func field(_ i: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: bytes[starts[i]..<ends[i]])
    }

    func isEmpty(_ i: Int) -> Bool { starts[i] == ends[i] }

    /// Field `i` as text, doubled quotes undone and any other quote dropped.
    func text(_ i: Int) -> String {
        let f = field(i)
        guard escaped || f.contains(0x22) else { return String(decoding: f, as: UTF8.self) }
        var out: [UInt8] = []
        var k = 0
        while k < f.count {
            if f[k] == 0x22 {
                if k + 1 < f.count, f[k + 1] == 0x22 { out.append(0x22); k += 1 }
            } else {
                out.append(f[k])
            }
            k += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    var texts: [String] { (0..<count).map(text) }

    /// True when field `i` is exactly `ascii`.
    func equals(_ i: Int, _ ascii: StaticString) -> Bool {
        let f = field(i)
        guard f.count == ascii.utf8CodeUnitCount else { return false }
        for k in 0..<f.count where f[k] != ascii.utf8Start[k] { return false }
        return true
    }

    /// Field `i` as a decimal number (spaces around it allowed), or nil.
    func number(_ i: Int) -> Double? { DecimalParser.parse(field(i)) }
}
