import MantaEngine
import MantaIO
import MantaKit
import MantaMarket

/// Half-hourly values by calendar day, read at any instant by
/// interpolating between half-hour midpoints (readings are half-hour means
/// labelled by the half hour's start, market time), so any year can replay
/// the data of another.
struct HalfHourly {
    /// month * 100 + day -> 48 values.
    let days: [Int: [Double]]

    func value(atMs t: Int64) -> Double {
        let c = MarketTime.civil(ms: t)
        let minute = Double(c.hour * 60 + c.minute) + Double(c.second) / 60
        let x = minute / 30 - 0.5
        let i = Int(x.rounded(.down))
        let w = x - Double(i)
        guard let today = days[c.month * 100 + c.day] ?? days[c.month * 100 + c.day - 1] else { return 0 }
        func at(_ k: Int) -> Double { today[min(47, max(0, k))] }
        return max(0, at(i) * (1 - w) + at(i + 1) * w)
    }

    var peak: Double { days.values.flatMap { $0 }.max() ?? 0 }
    var mean: Double {
        let all = days.values.flatMap { $0 }
        return all.isEmpty ? 0 : all.reduce(0, +) / Double(all.count)
    }

    func scaled(by k: Double) -> HalfHourly { HalfHourly(days: days.mapValues { $0.map { $0 * k } }) }
}

/// An Ausgrid Solar Home household's CSV (`timestamp,GC,GG`): general
/// consumption and gross generation, kWh per half hour.
enum AusgridFile {
    static func load(_ path: String, field: String) throws(PluginError) -> (consumption: HalfHourly, generation: HalfHourly) {
        let text: String
        do { text = try FileSystem.readText(path) } catch { throw .config("\(field): \(error)") }
        var gc: [Int: [Double]] = [:], gg: [Int: [Double]] = [:]
        for (n, line) in text.split(separator: "\n").enumerated() where n > 0 {
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            guard f.count >= 3, let t = MarketTime.parse(f[0]), let c = Double(f[1]), let g = Double(f[2]) else {
                throw .config("\(field): \(path):\(n + 1): expected 'YYYY-MM-DD HH:MM:SS,GC,GG'")
            }
            let d = MarketTime.civil(ms: t), key = d.month * 100 + d.day, slot = d.hour * 2 + d.minute / 30
            gc[key, default: [Double](repeating: 0, count: 48)][slot] = c
            gg[key, default: [Double](repeating: 0, count: 48)][slot] = g
        }
        return (HalfHourly(days: gc), HalfHourly(days: gg))
    }
}

/// A simulated PV system's output as a fraction of its peak power.
enum PVProfile {
    /// Haurwitz clear-sky irradiance at a location; 1000 W/m2 is peak.
    case clearSky(latitude: Double, longitude: Double)
    /// A real household's measured output, normalised to its own peak.
    case measured(HalfHourly)

    func fraction(atMs t: Int64) -> Double {
        switch self {
        case let .clearSky(lat, lon):
            return min(1, ClearSky.ghi(cosZenith: ClearSky.cosZenith(latitude: lat, longitude: lon, utcMs: t)) / 1000)
        case let .measured(table):
            return table.value(atMs: t)
        }
    }

    static func ausgrid(_ path: String) throws(PluginError) -> PVProfile {
        let gg = try AusgridFile.load(path, field: "pv.file").generation
        guard gg.peak > 0 else { throw .config("pv.file: \(path) has no PV generation") }
        return .measured(gg.scaled(by: 1 / gg.peak))
    }
}

/// A household's consumption as a multiple of its mean.
enum LoadProfile {
    /// A typical Australian home: low overnight, a morning and a larger
    /// evening peak (half-hour multiples of the day's mean, averaging 1).
    case typical
    /// A real household's measured consumption, normalised to its mean.
    case measured(HalfHourly)

    static let typicalShape: [Double] = {
        let raw: [Double] = [0.55, 0.5, 0.45, 0.45, 0.42, 0.42, 0.42, 0.42, 0.45, 0.45, 0.5, 0.55, 0.8, 1.2, 1.5, 1.4,
                             1.1, 0.9, 0.8, 0.75, 0.7, 0.7, 0.7, 0.7, 0.7, 0.72, 0.75, 0.8, 0.85, 0.9, 1.0, 1.2,
                             1.5, 1.9, 2.2, 2.3, 2.2, 2.0, 1.8, 1.6, 1.4, 1.25, 1.1, 0.95, 0.85, 0.75, 0.65, 0.6]
        let mean = raw.reduce(0, +) / Double(raw.count)
        return raw.map { $0 / mean }
    }()

    func multiple(atMs t: Int64) -> Double {
        switch self {
        case .typical:
            return LoadProfile.shape(atMs: t)
        case let .measured(table):
            return table.value(atMs: t)
        }
    }

    static func shape(atMs t: Int64) -> Double {
        let c = MarketTime.civil(ms: t)
        let x = (Double(c.hour * 60 + c.minute) + Double(c.second) / 60) / 30 - 0.5
        let i = Int(x.rounded(.down)), w = x - Double(i)
        return typicalShape[(i + 48) % 48] * (1 - w) + typicalShape[(i + 1) % 48] * w
    }

    static func ausgrid(_ path: String) throws(PluginError) -> LoadProfile {
        let gc = try AusgridFile.load(path, field: "load.file").consumption
        guard gc.mean > 0 else { throw .config("load.file: \(path) has no consumption") }
        return .measured(gc.scaled(by: 1 / gc.mean))
    }
}

/// A profile's value at the last two instants asked: a fleet's publish or
/// setpoint batch reads every home at one or two instants, so the sun's
/// position or a table lookup is worked out twice, not once per home.
struct ProfileMemo {
    private var a: (t: Int64, v: Double) = (.min, 0)
    private var b: (t: Int64, v: Double) = (.min, 0)

    mutating func value(at t: Int64, _ compute: (Int64) -> Double) -> Double {
        if a.t == t { return a.v }
        if b.t == t { return b.v }
        let v = compute(t)
        b = a
        a = (t, v)
        return v
    }
}
