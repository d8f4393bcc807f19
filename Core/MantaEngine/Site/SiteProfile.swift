import MantaMarket

/// A site's measured load and PV by half hour, read from a real household
/// file so that a backtest or a simulated home replays them.
///
/// Two layouts are read:
/// - Ausgrid Solar Home (`timestamp,GC,GG`): general consumption and gross
///   PV generation, each the half hour's mean kW (../shared/data's README).
/// - AEMO NEM12 meter data (100/200/300/900 records): the consumption
///   channels (NMI suffix E..) as load and the export channels (B..) as
///   PV, kWh (or Wh, MWh) per 5, 15 or 30 minutes averaged to half hours.
///   A net meter sees only what crosses it, so this load is the import
///   and this PV the export: their difference, all a tariff settles, is exact.
public struct SiteProfile: Sendable, Equatable {
    /// Watts by half hour.
    public var loadW: HalfHourly
    public var pvW: HalfHourly
    /// "ausgrid" or "nem12".
    public var layout: String

    public struct Refusal: Error, Sendable, CustomStringConvertible {
        public let description: String
        init(_ file: String, _ line: Int, _ message: String) { description = line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)" }
    }

    /// Parses `text`; `file` names it in errors, with the line.
    public static func parse(_ text: String, file: String) throws(Refusal) -> SiteProfile {
        let first = text.prefix { $0 != "\n" && $0 != "\r" }
        let profile = first.hasPrefix("100,") ? try nem12(text, file: file) : try ausgrid(text, file: file)
        guard !profile.loadW.days.isEmpty else { throw Refusal(file, 0, "holds no readings") }
        return profile
    }

    private static func ausgrid(_ text: String, file: String) throws(Refusal) -> SiteProfile {
        var gc: [Int: [Double]] = [:], gg: [Int: [Double]] = [:]
        for (n, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() where n > 0 && !line.isEmpty {
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            guard f.count >= 3, let t = MarketTime.parse(f[0]), let c = Double(f[1]), let g = Double(f[2]) else {
                throw Refusal(file, n + 1, "expected 'YYYY-MM-DD HH:MM:SS,GC,GG' (Ausgrid Solar Home) or a NEM12 file")
            }
            guard c.isFinite, c >= 0, c < 1e4, g.isFinite, g >= 0, g < 1e4 else {
                throw Refusal(file, n + 1, "GC and GG must be 0 to 10000 kW")
            }
            let d = MarketTime.civil(ms: t), key = d.month * 100 + d.day, slot = d.hour * 2 + d.minute / 30
            gc[key, default: [Double](repeating: 0, count: 48)][slot] = c * 1000
            gg[key, default: [Double](repeating: 0, count: 48)][slot] = g * 1000
        }
        return SiteProfile(loadW: HalfHourly(days: gc), pvW: HalfHourly(days: gg), layout: "ausgrid")
    }

    private static func nem12(_ text: String, file: String) throws(Refusal) -> SiteProfile {
        // By channel (NMI suffix), then day: a day given twice for one
        // channel is replaced (a corrected reading); channels of one kind add.
        var channels: [String: [Int: [Double]]] = [:]
        var channel: (suffix: String, whPerUnit: Double, minutes: Int)?
        for (n, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() where !line.isEmpty {
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            switch f[0] {
            case "100", "400", "500", "900": continue
            case "200":
                guard f.count >= 9, let minutes = Int(f[8]), [5, 15, 30].contains(minutes) else {
                    throw Refusal(file, n + 1, "a 200 record needs its interval length (5, 15 or 30) in field 9")
                }
                let units: [String: Double] = ["KWH": 1000, "WH": 1, "MWH": 1e6]
                guard let wh = units[f[7].uppercased()] else { throw Refusal(file, n + 1, "unit \(f[7]): expected KWH, WH or MWH") }
                let suffix = f[4].uppercased()
                // Only energy channels: E (import) and B (export); Q, K and the rest are reactive or other quantities.
                channel = suffix.hasPrefix("E") || suffix.hasPrefix("B") ? (suffix, wh, minutes) : nil
            case "300":
                guard let ch = channel else { continue }
                let per = 1440 / ch.minutes
                guard f.count >= 2 + per, f[1].count == 8, f[1].allSatisfy(\.isASCII),
                      let t = MarketTime.parse("\(f[1].prefix(4))-\(f[1].dropFirst(4).prefix(2))-\(f[1].suffix(2))") else {
                    throw Refusal(file, n + 1, "a 300 record needs a YYYYMMDD date and \(per) readings")
                }
                let d = MarketTime.civil(ms: t)
                var day = [Double](repeating: 0, count: 48)
                for k in 0..<per {
                    guard let e = Double(f[2 + k]), e.isFinite, e >= 0, e * ch.whPerUnit < 1e7 else {
                        throw Refusal(file, n + 1, "reading \(k + 1) is not an energy of 0 to 10 MWh")
                    }
                    // Energy over the interval, as the half hour's mean power.
                    day[k * ch.minutes / 30] += e * ch.whPerUnit * 2
                }
                channels[ch.suffix, default: [:]][d.month * 100 + d.day] = day
            default:
                throw Refusal(file, n + 1, "record type \(f[0]) is not NEM12's 100, 200, 300, 400, 500 or 900")
            }
        }
        func sum(_ prefix: String) -> HalfHourly {
            var out: [Int: [Double]] = [:]
            for (suffix, days) in channels where suffix.hasPrefix(prefix) {
                for (key, values) in days {
                    var day = out[key] ?? [Double](repeating: 0, count: 48)
                    for k in 0..<48 { day[k] += values[k] }
                    out[key] = day
                }
            }
            return HalfHourly(days: out)
        }
        return SiteProfile(loadW: sum("E"), pvW: sum("B"), layout: "nem12")
    }
}
