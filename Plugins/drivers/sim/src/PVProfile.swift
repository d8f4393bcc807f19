import MantaEngine
import MantaIO
import MantaKit
import MantaMarket

/// Where a simulated PV system's output comes from, as a fraction of its
/// peak power at a host-clock instant.
enum PVProfile {
    /// Haurwitz clear-sky irradiance at a location; 1000 W/m2 is peak.
    case clearSky(latitude: Double, longitude: Double)
    /// Real measured output of an Ausgrid Solar Home household (GG column,
    /// mean kW per half hour), normalised to its own peak and looked up by
    /// calendar day and time of day, so any year can replay it.
    case measured(days: [Int: [Double]])

    func fraction(atMs t: Int64) -> Double {
        switch self {
        case let .clearSky(lat, lon):
            return min(1, ClearSky.ghi(cosZenith: ClearSky.cosZenith(latitude: lat, longitude: lon, utcMs: t)) / 1000)
        case let .measured(days):
            // Readings are half-hour means labelled by the half hour's start
            // (market time); interpolate between half-hour midpoints.
            let c = MarketTime.civil(ms: t)
            let minute = Double(c.hour * 60 + c.minute) + Double(c.second) / 60
            let x = minute / 30 - 0.5
            let i = Int(x.rounded(.down))
            let w = x - Double(i)
            guard let today = days[c.month * 100 + c.day] ?? days[c.month * 100 + c.day - 1] else { return 0 }
            func at(_ k: Int) -> Double { (0..<48).contains(k) ? today[k] : 0 }
            return max(0, at(i) * (1 - w) + at(i + 1) * w)
        }
    }

    /// Reads an Ausgrid Solar Home CSV (`timestamp,GC,GG`).
    static func loadAusgrid(_ path: String) throws(PluginError) -> PVProfile {
        let text: String
        do { text = try FileSystem.readText(path) } catch { throw .config("pv.file: \(error)") }
        var days: [Int: [Double]] = [:]
        var peak = 0.0
        for (n, line) in text.split(separator: "\n").enumerated() where n > 0 {
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            guard f.count >= 3, let t = MarketTime.parse(f[0]), let gg = Double(f[2]) else {
                throw .config("pv.file: \(path):\(n + 1): expected 'YYYY-MM-DD HH:MM:SS,GC,GG'")
            }
            let c = MarketTime.civil(ms: t)
            days[c.month * 100 + c.day, default: [Double](repeating: 0, count: 48)][c.hour * 2 + c.minute / 30] = gg
            peak = max(peak, gg)
        }
        guard peak > 0 else { throw .config("pv.file: \(path) has no PV generation") }
        return .measured(days: days.mapValues { $0.map { $0 / peak } })
    }
}
