import Glibc
import MantaJSON
import MantaText

/// Human-readable output for RPC results: a list of objects becomes a
/// table, an object becomes "key: value" lines.
enum Render {
    static func text(_ value: JSON) -> String {
        switch value {
        case .array(let items) where !items.isEmpty && items.allSatisfy({ $0.object != nil }):
            return table(items.compactMap(\.object))
        case .array(let items) where items.isEmpty:
            return "(none)"
        case .object(let o):
            return lines(o, indent: 0).joined(separator: "\n")
        default:
            return cell(value)
        }
    }

    static func lines(_ o: JSONObject, indent: Int) -> [String] {
        let pad = String(repeating: " ", count: indent)
        let width = o.keys.map(\.count).max() ?? 0
        return o.members.flatMap { key, value -> [String] in
            if let inner = value.object, !inner.isEmpty, indent < 4 {
                return ["\(pad)\(key):"] + lines(inner, indent: indent + 2)
            }
            return ["\(pad)\(key.padded(width))  \(cell(value, max: 100))"]
        }
    }

    static func table(_ rows: [JSONObject]) -> String {
        var columns: [String] = []
        for r in rows { for k in r.keys where !columns.contains(k) { columns.append(k) } }
        let cells = rows.map { r in columns.map { cell(r[$0] ?? .null, max: 40) } }
        let widths = columns.indices.map { c in max(columns[c].count, cells.map { $0[c].count }.max() ?? 0) }
        func line(_ values: [String]) -> String {
            zip(values, widths).map { $0.padded($1) }.joined(separator: "  ")
        }
        return ([line(columns)] + cells.map(line)).map { $0.trailingSpacesTrimmed }.joined(separator: "\n")
    }

    static func cell(_ v: JSON, max: Int = 60) -> String {
        let text: String
        switch v {
        case .string(let s): text = s
        case .double(let d): text = abs(d) >= 1000 || d == d.rounded() ? String(Int(d.rounded())) : String((d * 1000).rounded() / 1000)
        case .null: text = "-"
        default: text = v.serialized()
        }
        return text.count > max ? String(text.prefix(max - 1)) + "…" : text
    }
}

/// Writes a line (or, with newline: false, a fragment) to standard error.
func printError(_ message: String, newline: Bool = true) {
    var line = newline ? message + "\n" : message
    line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}
