import MantaMarket

/// Import caps by time window (Cap Service, peak shaving): a site's or a
/// VPP's grid import held at or under `limitW` on the given days between
/// `from` and `to` (market time, minutes after midnight). A value: the
/// control that defends them owns the host's.
struct ImportCaps: Sendable {
    struct Cap: Sendable, Equatable {
        /// "site:<id>" or "vpp:<id>".
        var target: String
        var limitW: Double
        /// ISO weekdays 1 (Monday) ... 7 (Sunday).
        var days: Set<Int>
        var fromMinute: Int
        var toMinute: Int
        /// Energy kept in the batteries ahead of the window, Wh (planned).
        var reserveWh: Double = 0

        /// Whether `ms` falls in the window (a window past midnight wraps).
        func holds(atMs ms: Int64) -> Bool {
            let c = MarketTime.civil(ms: ms)
            let minute = c.hour * 60 + c.minute
            guard days.contains(MarketTime.isoWeekday(ms)) else { return false }
            return fromMinute <= toMinute ? (minute >= fromMinute && minute < toMinute)
                : (minute >= fromMinute || minute < toMinute)
        }

        /// Whether `ms` is earlier on a day the window comes later on: the
        /// time to keep the reserve.
        func ahead(atMs ms: Int64) -> Bool {
            let c = MarketTime.civil(ms: ms)
            return days.contains(MarketTime.isoWeekday(ms)) && c.hour * 60 + c.minute < fromMinute && fromMinute <= toMinute
        }

        /// The window's length, hours.
        var hours: Double { Double((toMinute - fromMinute + 1440) % 1440) / 60 }
    }

    private(set) var caps: [String: Cap] = [:]

    mutating func set(_ cap: Cap) { caps[cap.target] = cap }
    mutating func clear(_ target: String) { caps[target] = nil }
    mutating func setReserve(_ target: String, wh: Double) { caps[target]?.reserveWh = wh }
}
