import Glibc
import MantaIO
import MantaText

/// The BENCHMARKS.md being written.
struct Report {
    let root: String
    private var sections: [(title: String, command: String, rows: [[String]], notes: [String])] = []

    init(root: String) { self.root = root }

    mutating func section(_ title: String, command: String, header: [String], rows: [[String]], notes: [String] = []) {
        sections.append((title, command, [header] + rows, notes))
    }

    func markdown() -> String {
        var s = """
            # Benchmarks

            Measured with `make bench` (release build, `.build/release/manta-bench`) on \(Report.machine()).
            Every figure has a reference measured in the same run on the same data; the ratio is what to
            compare between machines, since absolute numbers on a shared 2-core box move by tens of percent.

            """
        for sec in sections {
            s += "\n## \(sec.title)\n\nReproduce: `\(sec.command)`\n\n"
            let widths = sec.rows[0].indices.map { c in sec.rows.map { $0[c].count }.max()! }
            for (i, row) in sec.rows.enumerated() {
                s += "| " + row.enumerated().map { $1.padded(widths[$0]) }.joined(separator: " | ") + " |\n"
                if i == 0 { s += "|" + widths.map { String(repeating: "-", count: $0 + 2) }.joined(separator: "|") + "|\n" }
            }
            for n in sec.notes { s += "\n" + n + "\n" }
        }
        return s
    }

    static func machine() -> String {
        var u = utsname()
        uname(&u)
        let arch = withUnsafeBytes(of: u.machine) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
        let cpus = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        var model = "unknown CPU"
        if let f = fopen("/proc/cpuinfo", "r") {
            var line = [CChar](repeating: 0, count: 512)
            while fgets(&line, 512, f) != nil {
                let text = line.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
                if text.hasPrefix("model name") {
                    model = text.split(separator: ":", maxSplits: 1).last.map { String($0).trimmed } ?? model
                    break
                }
            }
            fclose(f)
        }
        return "\(model), \(cpus) cores, \(arch)"
    }
}

/// "1,234,567"
func grouped(_ n: Double) -> String {
    let digits = String(Int(n.rounded()))
    var out = ""
    for (i, c) in digits.reversed().enumerated() {
        if i > 0 && i % 3 == 0 && c != "-" { out.append(",") }
        out.append(c)
    }
    return String(out.reversed())
}

func fixed(_ x: Double, _ places: Int = 1) -> String { NumberText.fixed(x, places) }
