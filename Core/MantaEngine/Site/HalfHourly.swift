import MantaMarket

/// Half-hourly values by calendar day (a household's load or PV), so that
/// any year can replay the data of another: a reading is the half hour's
/// mean, labelled by the half hour's start, market time.
public struct HalfHourly: Sendable, Equatable {
    /// month * 100 + day -> 48 values.
    public let days: [Int: [Double]]

    public init(days: [Int: [Double]]) { self.days = days }

    /// The day's 48 values (29 February falls back to the 28th).
    private func table(_ c: MarketTime.Civil) -> [Double]? {
        days[c.month * 100 + c.day] ?? (c.month == 2 && c.day == 29 ? days[228] : nil)
    }

    /// The value at an instant, interpolated between half-hour midpoints:
    /// a smooth signal for a simulated device (0 on a day with no data).
    public func value(atMs t: Int64) -> Double {
        let c = MarketTime.civil(ms: t)
        let minute = Double(c.hour * 60 + c.minute) + Double(c.second) / 60
        let x = minute / 30 - 0.5
        let i = Int(x.rounded(.down))
        let w = x - Double(i)
        guard let today = table(c) else { return 0 }
        func at(_ k: Int) -> Double { today[min(47, max(0, k))] }
        return max(0, at(i) * (1 - w) + at(i + 1) * w)
    }

    /// The mean over the half hour `t` falls in: what a meter recorded for
    /// every interval inside it; nil on a day with no data.
    public func halfHourMean(atMs t: Int64) -> Double? { halfHourMean(MarketTime.civil(ms: t)) }

    /// The same, for a market-time instant already taken apart.
    public func halfHourMean(_ c: MarketTime.Civil) -> Double? { table(c).map { $0[c.hour * 2 + c.minute / 30] } }

    public var peak: Double { days.values.flatMap { $0 }.max() ?? 0 }
    public var mean: Double {
        let all = days.values.flatMap { $0 }
        return all.isEmpty ? 0 : all.reduce(0, +) / Double(all.count)
    }

    public func scaled(by k: Double) -> HalfHourly { HalfHourly(days: days.mapValues { $0.map { $0 * k } }) }
}
