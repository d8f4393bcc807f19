/// NEM market time and the 5-minute interval grid.
///
/// The NEM runs on Australian Eastern Standard Time, UTC+10, all year: no
/// daylight saving. AEMO labels an interval by its END: "2022/01/01 00:05:00"
/// is the interval 00:00-00:05 market time. Every interval in this code base
/// is stored by its end, in ms since the Unix epoch (UTC).
public enum MarketTime {
    /// UTC+10, in ms.
    public static let offsetMs: Int64 = 10 * 3_600_000
    /// Dispatch and settlement interval since 1 October 2021.
    public static let intervalMs: Int64 = 300_000
    public static let intervalsPerDay = 288
    public static let dayMs: Int64 = 86_400_000

    /// A calendar date and time of day in market time.
    public struct Civil: Sendable, Equatable {
        public var year: Int, month: Int, day: Int
        public var hour: Int, minute: Int, second: Int
        public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) {
            self.year = year; self.month = month; self.day = day
            self.hour = hour; self.minute = minute; self.second = second
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
    /// days_from_civil: exact, no tables, no Foundation).
    public static func days(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The inverse of `days(year:month:day:)`.
    public static func civil(days z0: Int64) -> (year: Int, month: Int, day: Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (Int(yoe + era * 400 + (m <= 2 ? 1 : 0)), Int(m), Int(d))
    }

    /// UTC ms of a market-time civil time.
    public static func ms(_ c: Civil) -> Int64 {
        let day = days(year: c.year, month: c.month, day: c.day)
        let seconds = Int64(c.hour * 3600 + c.minute * 60 + c.second)
        return (day * 86_400 + seconds) * 1000 - offsetMs
    }

    /// The instants `civil(ms:)` renders as themselves: market-time years
    /// 0 to 9999. Anything beyond (a client may send Int64.max) is shown as
    /// the nearest of them rather than overflowing.
    public static let renderableMs: ClosedRange<Int64> = (-62_167_219_200_000 - offsetMs)...(253_402_300_799_999 - offsetMs)

    /// Market-time civil time of UTC ms (whole seconds), clamped to
    /// `renderableMs`.
    public static func civil(ms: Int64) -> Civil {
        let local = min(max(ms, renderableMs.lowerBound), renderableMs.upperBound) + offsetMs
        let day = local >= 0 ? local / dayMs : (local - dayMs + 1) / dayMs
        let secs = (local - day * dayMs) / 1000
        let (y, m, d) = civil(days: day)
        return Civil(year: y, month: m, day: d, hour: Int(secs / 3600), minute: Int(secs / 60 % 60), second: Int(secs % 60))
    }

    /// "2022-01-18 17:35" (market time), for logs and reports.
    public static func format(_ ms: Int64, seconds: Bool = false) -> String {
        let c = civil(ms: ms)
        let date = "\(c.year)-\(pad(c.month))-\(pad(c.day)) \(pad(c.hour)):\(pad(c.minute))"
        return seconds ? "\(date):\(pad(c.second))" : date
    }

    /// "2022-01-18" (market time).
    public static func formatDate(_ ms: Int64) -> String {
        let c = civil(ms: ms)
        return "\(c.year)-\(pad(c.month))-\(pad(c.day))"
    }

    /// ISO 8601 with the market offset: "2022-01-18T17:35:00+10:00".
    public static func iso(_ ms: Int64) -> String {
        let c = civil(ms: ms)
        return "\(c.year)-\(pad(c.month))-\(pad(c.day))T\(pad(c.hour)):\(pad(c.minute)):\(pad(c.second))+10:00"
    }

    private static func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

    /// The end of the interval containing `ms`: an instant exactly on a
    /// boundary belongs to the interval that starts there.
    public static func intervalEnd(containing ms: Int64) -> Int64 {
        floorDiv(ms, intervalMs) * intervalMs + intervalMs
    }

    /// Market-time midnight at or before `ms`.
    public static func dayStart(_ ms: Int64) -> Int64 {
        floorDiv(ms + offsetMs, dayMs) * dayMs - offsetMs
    }

    /// The ISO weekday of `ms` in market time: 1 = Monday ... 7 = Sunday.
    public static func isoWeekday(_ ms: Int64) -> Int {
        // 1970-01-01 was a Thursday (ISO 4).
        Int((floorDiv(ms + offsetMs, dayMs) + 3) % 7) + 1
    }

    /// Division rounding toward minus infinity (times before 1970 too).
    public static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : (a - b + 1) / b
    }
}
