import MantaJSON
import MantaMarket

/// Totals of settled intervals, overall and grouped, summed in one pass in
/// row order: a group's totals are exactly the sum of its rows (what a
/// reconciliation against `settlement.intervals` or the CSV recomputes).
struct SettlementSummary {
    struct Totals: Equatable {
        var intervals = 0
        var revised = 0
        var energyWh = 0.0
        var dischargedWh = 0.0
        var energyAUD = 0.0
        /// By service, FCASService order.
        var fcasAUD = [Double](repeating: 0, count: FCASService.allCases.count)
        var costAUD = 0.0
        var networkAUD = 0.0
        var demandAUD = 0.0
        /// Sums of the rows' own totals (not totals of the sums), so that
        /// they equal a sum of the rows' `fcas_aud` and `total_aud` exactly.
        var fcasTotalAUD = 0.0
        var totalAUD = 0.0

        mutating func add(_ r: SettlementRow) {
            intervals += 1
            if r.revision > 0 { revised += 1 }
            energyWh += r.energyWh
            dischargedWh += r.dischargedWh
            energyAUD += r.energyAUD
            for (k, v) in r.fcasAUD.enumerated() where k < fcasAUD.count { fcasAUD[k] += v }
            costAUD += r.costAUD
            networkAUD += r.networkAUD
            demandAUD += r.demandAUD
            fcasTotalAUD += r.fcasTotalAUD
            totalAUD += r.totalAUD
        }
    }

    var total = Totals()
    var byDay: [String: Totals] = [:]
    var byMonth: [String: Totals] = [:]
    /// By (period, VPP): the financial report's rows.
    var byDayAndVPP: [Pair: Totals] = [:]
    var byMonthAndVPP: [Pair: Totals] = [:]
    var byVPP: [String: Totals] = [:]
    var byRegion: [String: Totals] = [:]
    var byStrategy: [String: Totals] = [:]
    /// By market hour of the interval's start (0...23).
    var byHour: [Int: Totals] = [:]

    struct Pair: Hashable, Comparable {
        var period: String
        var vpp: String
        static func < (a: Pair, b: Pair) -> Bool { (a.period, a.vpp) < (b.period, b.vpp) }
    }

    init(_ rows: [SettlementRow]) {
        for r in rows {
            total.add(r)
            let day = Self.day(r.intervalEndMs), month = String(day.prefix(7))
            byDay[day, default: Totals()].add(r)
            byMonth[month, default: Totals()].add(r)
            byDayAndVPP[Pair(period: day, vpp: r.vpp), default: Totals()].add(r)
            byMonthAndVPP[Pair(period: month, vpp: r.vpp), default: Totals()].add(r)
            byVPP[r.vpp, default: Totals()].add(r)
            byRegion[r.region, default: Totals()].add(r)
            byStrategy[r.strategy, default: Totals()].add(r)
            byHour[MarketTime.civil(ms: r.intervalEndMs - MarketTime.intervalMs).hour, default: Totals()].add(r)
        }
    }

    /// The market day (AEST) an interval belongs to, by its start.
    static func day(_ intervalEndMs: Int64) -> String { MarketTime.formatDate(intervalEndMs - MarketTime.intervalMs) }

    // MARK: JSON

    static func json(_ t: Totals) -> [(String, JSON)] {
        [("intervals", .int(Int64(t.intervals))), ("revised", .int(Int64(t.revised))),
         ("energy_mwh", .number(t.energyWh / 1e6)), ("discharged_mwh", .number(t.dischargedWh / 1e6)),
         ("energy_aud", .number(t.energyAUD)), ("fcas_aud", .number(t.fcasTotalAUD)),
         ("fcas", .object(JSONObject(zip(FCASService.allCases, t.fcasAUD).filter { $0.1 != 0 }.map { ($0.0.name, .number($0.1)) }))),
         ("cost_aud", .number(t.costAUD)), ("network_aud", .number(t.networkAUD)), ("demand_aud", .number(t.demandAUD)),
         ("total_aud", .number(t.totalAUD))]
    }

    static func groups<K: Comparable>(_ g: [K: Totals], key: String, _ text: (K) -> JSON) -> JSON {
        .array(g.keys.sorted().map { k in .object(JSONObject([(key, text(k))] + json(g[k]!))) })
    }

    var fields: [(String, JSON)] {
        Self.json(total) + [
            ("by_day", Self.groups(byDay, key: "day") { .string($0) }),
            ("by_month", Self.groups(byMonth, key: "month") { .string($0) }),
            ("by_vpp", Self.groups(byVPP, key: "vpp") { .string($0) }),
            ("by_region", Self.groups(byRegion, key: "region") { .string($0) }),
            ("by_strategy", Self.groups(byStrategy, key: "strategy") { .string($0) }),
            ("by_hour", Self.groups(byHour, key: "hour") { .int(Int64($0)) }),
        ]
    }
}

extension SettlementRow {
    /// A row as settlement.intervals gives it.
    var json: JSON {
        .object(JSONObject([("vpp", .string(vpp))] + timeFields("interval_end", intervalEndMs) + [
            ("revision", .int(Int64(revision))), ("region", .string(region)), ("strategy", .string(strategy)),
            ("rrp", .number(rrp)), ("firm", .bool(firm)), ("members", .int(Int64(members))), ("metered", .int(Int64(metered))),
            ("coverage", .number(coverage)), ("energy_wh", .number(energyWh)), ("discharged_wh", .number(dischargedWh)),
            ("fcas_mw", .object(JSONObject(zip(FCASService.allCases, fcasMW).filter { $0.1 > 0 }.map { ($0.0.name, .number($0.1)) }))),
            ("energy_aud", .number(energyAUD)),
            ("fcas", .object(JSONObject(zip(FCASService.allCases, fcasAUD).filter { $0.1 != 0 }.map { ($0.0.name, .number($0.1)) }))),
            ("fcas_aud", .number(fcasTotalAUD)), ("cost_aud", .number(costAUD)), ("network_aud", .number(networkAUD)),
            ("demand_aud", .number(demandAUD)), ("total_aud", .number(totalAUD)),
            ("reason", .string(reason)),
        ]))
    }
}
