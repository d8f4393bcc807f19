import MantaEngine
import MantaIO
import MantaKit
import MantaText

/// The grid frequency the simulated batteries measure: a replayed trace of
/// one reading per second (the real 25 August 2018 separation event in
/// ../shared/data/frequency, say), 50 Hz before and after it.
///
/// The trace is a CSV whose first column is a timestamp ending in
/// `HH:MM:SS` and whose other columns are frequencies by region; `column`
/// picks one. Seconds missing from the file hold the reading before them.
/// Row `skip_s` plays `start_after_s` seconds after the driver starts.
struct FrequencySource {
    /// One reading per second from the trace's first row, Hz.
    let hz: [Double]
    /// Host time at which `hz[0]` plays; set when the driver starts.
    var startMs: Int64 = 0
    let config: SimConfig.Frequency

    /// A day of one-second readings in the regional layout is about 4 MB;
    /// anything much larger is not a trace this driver replays.
    static let maxFileBytes = 32 << 20

    init(_ config: SimConfig.Frequency) throws(PluginError) {
        self.config = config
        let text: String
        do { text = String(decoding: try FileSystem.read(config.file, maxBytes: Self.maxFileBytes), as: UTF8.self) } catch {
            throw .config("frequency.file: \(error)")
        }
        hz = try Self.parse(text, column: config.column)
        guard config.skipS < Double(hz.count) else {
            throw .config("frequency.skip_s: \(config.skipS) s is past the trace's end (\(hz.count) s)")
        }
    }

    /// The readings of `column`, one per second, gaps held.
    static func parse(_ text: String, column: String) throws(PluginError) -> [Double] {
        var lines = text.split(whereSeparator: \.isNewline).makeIterator()
        guard let header = lines.next() else { throw .config("frequency.file: empty") }
        // The header may begin with a UTF-8 byte order mark.
        let names = header.drop(while: { $0 == "\u{FEFF}" }).split(separator: ",").map(\.trimmingQuotes)
        guard let c = names.firstIndex(of: column), c > 0 else {
            throw .config("frequency.column: no column \"\(column)\" in the trace (it has \(names.dropFirst().joined(separator: ", ")))")
        }
        var out: [Double] = [], first: Int?, row = 1
        while let line = lines.next() {
            row += 1
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            guard cells.count > c, let second = secondOfDay(cells[0]), let f = Double(cells[c].trimmed),
                  (45...65).contains(f) else {
                throw .config("frequency.file: row \(row) is not a time and a frequency in 45..65 Hz in column \(column)")
            }
            let t = second - (first ?? second)
            if first == nil { first = second }
            guard t >= out.count else {
                throw .config("frequency.file: row \(row) \(t == out.count - 1 ? "repeats the second before it" : "goes back in time")")
            }
            guard t < 86_400 else { throw .config("frequency.file: row \(row) is more than a day after the first") }
            while out.count < t { out.append(out.last ?? f) }
            out.append(f)
        }
        guard !out.isEmpty else { throw .config("frequency.file: no readings") }
        return out
    }

    /// Seconds since midnight of a timestamp ending in HH:MM:SS.
    private static func secondOfDay(_ s: Substring) -> Int? {
        let clock = s.trimmingQuotes.suffix(8).split(separator: ":")
        guard clock.count == 3, let h = Int(clock[0]), let m = Int(clock[1]), let sec = Int(clock[2]) else { return nil }
        return h * 3600 + m * 60 + sec
    }

    /// The frequency at host time `t`.
    func frequency(atMs t: Int64) -> Double {
        let played = t - startMs - Int64(config.startAfterS * 1000)
        guard played >= 0 else { return FrequencyDroop.nominalHz }
        let i = Int(played / 1000) + Int(config.skipS)
        return i < hz.count ? hz[i] : FrequencyDroop.nominalHz
    }

    /// Host time of the next change of reading after `t` (the next whole
    /// trace second), for integrating the response piece by piece.
    func nextStepMs(after t: Int64) -> Int64 {
        let origin = startMs + Int64(config.startAfterS * 1000)
        guard t >= origin else { return origin }
        return origin + ((t - origin) / 1000 + 1) * 1000
    }
}
