import MantaEngine
import MantaIO
import MantaKit
import MantaMarket

/// A real household's file (Ausgrid Solar Home or NEM12; SiteProfile),
/// read for a PV or load profile.
enum HouseholdFile {
    static func load(_ path: String, field: String) throws(PluginError) -> SiteProfile {
        let text: String
        do { text = try FileSystem.readText(path) } catch { throw .config("\(field): \(error)") }
        do { return try SiteProfile.parse(text, file: path) } catch { throw .config("\(field): \(error)") }
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
        let gg = try HouseholdFile.load(path, field: "pv.file").pvW
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
        let gc = try HouseholdFile.load(path, field: "load.file").loadW
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
