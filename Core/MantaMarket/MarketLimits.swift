/// The NEM's price limits.
///
/// The market price cap changes every financial year (1 July market time);
/// the floor has been -1,000 AUD/MWh throughout. Values are AEMO's published
/// caps. Note the real 2022 data: the highest VIC1 price in January 2022 is
/// 15,100 (FY2021-22's cap) and SA1/NSW1/QLD1 reach 15,500 after 1 July 2022.
public enum MarketLimits {
    public static let floor: Double = -1000

    /// (first financial year, i.e. the year in which it starts on 1 July, cap)
    static let caps: [(fy: Int, cap: Double)] = [
        (2016, 14_000), (2017, 14_200), (2018, 14_500), (2019, 14_700), (2020, 15_000),
        (2021, 15_100), (2022, 15_500), (2023, 16_600), (2024, 17_500), (2025, 20_300),
    ]

    /// The financial year (by its starting calendar year) of an interval,
    /// judged by the interval's start so that the 00:00 interval end of
    /// 1 July still belongs to the old year.
    public static func financialYear(intervalEndMs: Int64) -> Int {
        let c = MarketTime.civil(ms: intervalEndMs - 1)
        return c.month >= 7 ? c.year : c.year - 1
    }

    /// The financial year of an interval as the range of interval ends it
    /// holds, (from, to] in UTC ms, with its cap (nil where unknown).
    public static func capYear(intervalEndMs end: Int64) -> (from: Int64, to: Int64, cap: Double?) {
        let fy = financialYear(intervalEndMs: end)
        let from = MarketTime.ms(MarketTime.Civil(year: fy, month: 7, day: 1))
        let to = MarketTime.ms(MarketTime.Civil(year: fy + 1, month: 7, day: 1))
        return (from, to, cap(intervalEndMs: end))
    }

    /// The highest cap in the table: the bound where a year's is unknown.
    public static var highestCap: Double { caps.map(\.cap).max()! }

    /// The market price cap in force for an interval, or nil outside the
    /// years this table knows (then no cap check is possible).
    public static func cap(intervalEndMs: Int64) -> Double? {
        let fy = financialYear(intervalEndMs: intervalEndMs)
        return caps.first(where: { $0.fy == fy })?.cap
    }
}
