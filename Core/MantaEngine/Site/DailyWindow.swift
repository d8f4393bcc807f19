import MantaMarket

/// A time window repeated on chosen days: an import cap's hours, a demand
/// tariff's peak period. Market time (AEST, no daylight saving), minutes
/// after midnight; a window whose end is before its start runs past
/// midnight.
public struct DailyWindow: Sendable, Hashable {
    /// ISO weekdays 1 (Monday) ... 7 (Sunday).
    public var days: Set<Int>
    public var fromMinute: Int
    public var toMinute: Int

    public init(days: Set<Int> = Set(1...7), fromMinute: Int, toMinute: Int) {
        self.days = days
        self.fromMinute = fromMinute
        self.toMinute = toMinute
    }

    /// Every minute of every day.
    public static let always = DailyWindow(fromMinute: 0, toMinute: 0)

    public var isAlways: Bool { fromMinute == toMinute && days.count == 7 }

    /// Whether `ms` falls in the window.
    public func holds(atMs ms: Int64) -> Bool {
        guard days.contains(MarketTime.isoWeekday(ms)) else { return false }
        if fromMinute == toMinute { return true }
        let c = MarketTime.civil(ms: ms)
        let minute = c.hour * 60 + c.minute
        return fromMinute < toMinute ? (minute >= fromMinute && minute < toMinute) : (minute >= fromMinute || minute < toMinute)
    }

    /// Whether `ms` is earlier on a day the window comes later on (a window
    /// that does not wrap past midnight): the time to keep a reserve for it.
    public func ahead(atMs ms: Int64) -> Bool {
        let c = MarketTime.civil(ms: ms)
        return days.contains(MarketTime.isoWeekday(ms)) && c.hour * 60 + c.minute < fromMinute && fromMinute < toMinute
    }

    /// The window's length, hours (24 for a whole day).
    public var hours: Double { fromMinute == toMinute ? 24 : Double((toMinute - fromMinute + 1440) % 1440) / 60 }

    /// Day names as the API and the CLI write them, Monday first.
    public static let dayNames = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

    /// The names of its days, Monday first.
    public var dayList: [String] { days.sorted().map { Self.dayNames[$0 - 1] } }

    /// Minutes after midnight of "HH:MM" (00:00 ... 23:59), or nil.
    public static func minute(_ text: some StringProtocol) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isASCII) }),
              let h = Int(parts[0]), let m = Int(parts[1]), (0..<24).contains(h), (0..<60).contains(m) else { return nil }
        return h * 60 + m
    }

    /// "HH:MM" of minutes after midnight.
    public static func hhmm(_ minute: Int) -> String {
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(two(minute / 60)):\(two(minute % 60))"
    }

    /// ISO weekdays of day names ("mon" ... "sun"), or of "weekdays",
    /// "weekends", "all"; nil when one is none of these.
    public static func days(_ names: [some StringProtocol]) -> Set<Int>? {
        var out = Set<Int>()
        for n in names {
            switch n.lowercased() {
            case "weekdays": out.formUnion(1...5)
            case "weekends": out.formUnion(6...7)
            case "all": out.formUnion(1...7)
            case let d:
                guard let i = dayNames.firstIndex(of: d) else { return nil }
                out.insert(i + 1)
            }
        }
        return out.isEmpty ? nil : out
    }

    /// The window of "HH:MM-HH:MM" on `days`; nil when it does not read.
    public init?(hours text: some StringProtocol, days: Set<Int> = Set(1...7)) {
        let ends = text.split(separator: "-", omittingEmptySubsequences: false)
        guard ends.count == 2, let from = Self.minute(ends[0]), let to = Self.minute(ends[1]) else { return nil }
        self.init(days: days, fromMinute: from, toMinute: to)
    }
}
