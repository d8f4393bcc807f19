import MantaMarket
import MantaText

/// A bid as bids.submit takes it, and the checks it must pass before it is
/// lodged: each refusal names the field (`bands[3]`, `intervals[7].mw`).
///
/// The form is AEMO's: for one trading day (04:00 to 04:00 market time)
/// and one market, ten price bands in ascending order within the market's
/// floor and the financial year's cap, and per interval the MW offered in
/// each band. An energy bid is for the generation side (discharge: a band
/// clears when the RRP is at or above its price) or the load side (charge:
/// when the RRP is at or below it); an FCAS bid offers enablement (a band
/// clears when the service's price is at or above its price, 0 to the cap).
enum BidValidation {
    /// What a bid trades.
    enum Market: Equatable, Sendable {
        case energy
        case fcas(FCASService)

        init?(name: String) {
            if name == "energy" { self = .energy } else if let s = FCASService(name: name) { self = .fcas(s) } else { return nil }
        }

        var name: String {
            switch self {
            case .energy: return "energy"
            case .fcas(let s): return s.name
            }
        }
    }

    enum Side: String, Sendable {
        case generation, load, raise, lower
    }

    /// One interval as given: its end and ten MW.
    struct IntervalMW: Decodable, Sendable {
        var interval: RPCTime
        var mw: [Double]
    }

    /// What the host knows when it checks a bid.
    struct Context {
        var nowMs: Int64
        var gateClosureMs: Int64
        /// The VPP's aggregated ratings, MW: discharge, charge, and those of
        /// its members with a frequency controller.
        var dischargeMW: Double
        var chargeMW: Double
        var responsiveDischargeMW: Double
        var responsiveChargeMW: Double
    }

    /// A bid that passed: what gets lodged.
    struct Valid: Sendable {
        var market: Market
        var side: Side
        var day: String
        var bands: [Double]
        /// Interval ends, ascending, each with its ten MW.
        var intervals: [(endMs: Int64, mw: [Double])]
    }

    static let bandCount = 10

    /// The trading day `day` (YYYY-MM-DD) as the interval ends it holds,
    /// (from, to]; nil when it is not a date.
    static func tradingDay(_ day: String) -> (from: Int64, to: Int64)? {
        // Only the date itself: MarketTime.parse also takes times, which a day is not.
        guard day.utf8.count == 10, let midnight = MarketTime.parse(day), MarketTime.formatDate(midnight) == day else { return nil }
        let from = midnight + 4 * 3_600_000
        return (from, from + 86_400_000)
    }

    /// The trading day (YYYY-MM-DD) an interval ending at `end` belongs to.
    static func tradingDay(containing end: Int64) -> String {
        MarketTime.formatDate(end - 1 - 4 * 3_600_000)
    }

    static func check(market name: String, side sideName: String?, day: String, bands: [Double], intervals: [IntervalMW],
                      _ c: Context) throws(RPCError) -> Valid {
        guard let market = Market(name: name) else {
            throw .invalidParams("market: '\(name)' is not energy or an FCAS service (RAISE6SEC, LOWER5MIN, ...)")
        }
        let side: Side
        switch market {
        case .energy:
            guard let s = Side(rawValue: sideName ?? "generation"), s == .generation || s == .load else {
                throw .invalidParams("side: an energy bid is for the generation or the load side")
            }
            side = s
        case .fcas(let service):
            if service.isRegulation {
                throw .invalidParams("market: \(service.name) is not traded live (regulation follows AEMO's AGC signal, which no connector supplies)")
            }
            side = service.isRaise ? .raise : .lower
            if let given = sideName, given != side.rawValue {
                throw .invalidParams("side: \(service.name) is a \(side.rawValue) service, not \(given)")
            }
        }
        guard let (dayFrom, dayTo) = tradingDay(day) else { throw .invalidParams("day: '\(day)' is not a date YYYY-MM-DD") }
        guard bands.count == bandCount else { throw .invalidParams("bands: give \(bandCount) prices, not \(bands.count)") }
        let cap = MarketLimits.cap(intervalEndMs: dayTo) ?? MarketLimits.highestCap
        let floor = market == .energy ? MarketLimits.floor : 0
        for (i, p) in bands.enumerated() {
            guard p.isFinite, p >= floor, p <= cap else {
                throw .invalidParams("bands[\(i)]: \(p) is outside \(NumberText.rounded(floor)) to \(NumberText.rounded(cap)) AUD/\(market == .energy ? "MWh" : "MW/h") (the market's floor and the financial year's cap)")
            }
            if i > 0, p <= bands[i - 1] { throw .invalidParams("bands[\(i)]: \(p) is not above bands[\(i - 1)] (\(bands[i - 1])): price bands ascend") }
        }
        guard !intervals.isEmpty else { throw .invalidParams("intervals: give at least one interval") }
        let limitMW: Double
        switch side {
        case .generation: limitMW = c.dischargeMW
        case .load: limitMW = c.chargeMW
        case .raise: limitMW = c.responsiveDischargeMW
        case .lower: limitMW = c.responsiveChargeMW
        }
        let earliestStart = c.nowMs + c.gateClosureMs
        var seen = Set<Int64>(), out: [(endMs: Int64, mw: [Double])] = []
        for (i, iv) in intervals.enumerated() {
            let end = iv.interval.ms, field = "intervals[\(i)]"
            guard end % MarketTime.intervalMs == 0 else { throw .invalidParams("\(field).interval: \(MarketTime.iso(end)) is not on the 5-minute grid") }
            guard end > dayFrom, end <= dayTo else {
                throw .invalidParams("\(field).interval: \(MarketTime.iso(end)) is outside trading day \(day) (intervals ending after 04:00 that day up to 04:00 the next, market time)")
            }
            guard seen.insert(end).inserted else { throw .invalidParams("\(field).interval: \(MarketTime.iso(end)) is given twice") }
            guard end - MarketTime.intervalMs >= earliestStart else {
                throw .invalidParams("\(field).interval: \(MarketTime.iso(end)) starts before the gate closes (now \(MarketTime.iso(c.nowMs)) + \(c.gateClosureMs / 1000) s): bids are for intervals not yet started")
            }
            guard iv.mw.count == bandCount else { throw .invalidParams("\(field).mw: give \(bandCount) MW, one per band, not \(iv.mw.count)") }
            var total = 0.0
            for (k, mw) in iv.mw.enumerated() {
                guard mw.isFinite, mw >= 0 else { throw .invalidParams("\(field).mw[\(k)]: \(mw) is not a MW amount >= 0") }
                total += mw
            }
            guard total <= limitMW * (1 + 1e-9) else {
                throw .invalidParams("\(field).mw: \(NumberText.rounded(total, 3)) MW in all is more than the VPP's \(side.rawValue) capacity of \(NumberText.rounded(limitMW, 3)) MW\(market == .energy ? "" : " (its members with a frequency controller)")")
            }
            out.append((end, iv.mw))
        }
        out.sort { $0.endMs < $1.endMs }
        return Valid(market: market, side: side, day: day, bands: bands, intervals: out)
    }
}
