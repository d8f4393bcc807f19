import MantaEngine
import MantaJSON
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
        /// The days and hours it holds on (never a whole day: from != to).
        var window: DailyWindow
        /// Energy kept in the batteries ahead of the window, Wh (planned).
        var reserveWh: Double = 0

        /// Whether `ms` falls in the window (a window past midnight wraps).
        func holds(atMs ms: Int64) -> Bool { window.holds(atMs: ms) }

        /// Whether `ms` is earlier on a day the window comes later on: the
        /// time to keep the reserve.
        func ahead(atMs ms: Int64) -> Bool { window.ahead(atMs: ms) }

        /// As the store keeps it.
        var json: JSON {
            .object(JSONObject([
                ("limit_w", .number(limitW)), ("days", .array(window.days.sorted().map { .int(Int64($0)) })),
                ("from_minute", .int(Int64(window.fromMinute))), ("to_minute", .int(Int64(window.toMinute))),
                ("reserve_wh", .number(reserveWh)),
            ]))
        }

        /// The window's length, hours.
        var hours: Double { window.hours }
    }

    private(set) var caps: [String: Cap] = [:]

    mutating func set(_ cap: Cap) { caps[cap.target] = cap }

    /// The lowest cap holding on `site` at `ms`: its own, or its VPP's.
    func inForce(site: String, vpp: String?, atMs ms: Int64) -> Double? {
        let mine = [caps["site:\(site)"], vpp.flatMap { caps["vpp:\($0)"] }]
        return mine.compactMap { $0 }.filter { $0.holds(atMs: ms) }.map(\.limitW).min()
    }
    mutating func clear(_ target: String) { caps[target] = nil }
}

extension ImportCaps.Cap {
    /// Read back from the store; nil when it does not read as a cap.
    init?(target: String, json: JSON) {
        guard let limit = json["limit_w"]?.number, limit.isFinite, limit >= 0,
              let days = json["days"]?.array?.compactMap({ $0.integer.map(Int.init) }), days.allSatisfy({ (1...7).contains($0) }),
              let from = json["from_minute"]?.integer, let to = json["to_minute"]?.integer,
              (0..<1440).contains(from), (0..<1440).contains(to), from != to,
              let reserve = json["reserve_wh"]?.number, reserve.isFinite, reserve >= 0 else { return nil }
        self.init(target: target, limitW: limit, window: DailyWindow(days: Set(days), fromMinute: Int(from), toMinute: Int(to)),
                  reserveWh: reserve)
    }
}
