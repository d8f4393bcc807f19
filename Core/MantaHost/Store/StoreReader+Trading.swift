import MantaJSON

/// Reads of the trading desk's tables.
extension StoreReader {
    /// Settled intervals of `run` in (from, to], the latest revision of
    /// each, by VPP (nil: all) then interval end; at most `limit`.
    func settlements(run: Int64, vpp: String?, fromMs: Int64, toMs: Int64, limit: Int) throws(StoreError) -> [SettlementRow] {
        let s = try db.prepare("""
            SELECT vpp, interval_end_ms, revision, region, strategy, rrp, firm, members, metered, coverage, energy_wh,
                   discharged_wh, fcas_mw, energy_aud, raise1sec_aud, raise6sec_aud, raise60sec_aud, raise5min_aud,
                   raisereg_aud, lower1sec_aud, lower6sec_aud, lower60sec_aud, lower5min_aud, lowerreg_aud, cost_aud,
                   reason, settled_ms, network_aud, demand_aud
            FROM settlements s
            WHERE run = ?1 AND (CAST(?2 AS TEXT) IS NULL OR vpp = ?2) AND interval_end_ms > ?3 AND interval_end_ms <= ?4
              AND revision = (SELECT MAX(revision) FROM settlements t
                              WHERE t.run = s.run AND t.vpp = s.vpp AND t.interval_end_ms = s.interval_end_ms)
            ORDER BY vpp, interval_end_ms LIMIT ?5
            """)
        s.bind(1, run)
        s.bind(2, vpp)
        s.bind(3, fromMs)
        s.bind(4, toMs)
        s.bind(5, limit)
        var out: [SettlementRow] = []
        while try s.step() {
            let fcasAUD = (14..<24).map { s.double(Int32($0)) }
            out.append(SettlementRow(
                vpp: s.string(0), intervalEndMs: s.int(1), revision: Int(s.int(2)), region: s.string(3), strategy: s.string(4),
                rrp: s.double(5), firm: s.int(6) != 0, members: Int(s.int(7)), metered: Int(s.int(8)), coverage: s.double(9),
                energyWh: s.double(10), dischargedWh: s.double(11), fcasMW: Self.numbers(s.string(12)), energyAUD: s.double(13),
                fcasAUD: fcasAUD.allSatisfy { $0 == 0 } ? [] : fcasAUD, costAUD: s.double(24), networkAUD: s.double(27),
                demandAUD: s.double(28), reason: s.string(25), settledMs: s.int(26)))
        }
        return out
    }

    /// Revisions stored for a VPP's interval, oldest first.
    func settlementRevisions(run: Int64, vpp: String, intervalEndMs: Int64) throws(StoreError) -> [(revision: Int, rrp: Double, totalAUD: Double, reason: String)] {
        let s = try db.prepare("""
            SELECT revision, rrp, total_aud, reason FROM settlements
            WHERE run = ? AND vpp = ? AND interval_end_ms = ? ORDER BY revision
            """)
        s.bind(1, run)
        s.bind(2, vpp)
        s.bind(3, intervalEndMs)
        var out: [(revision: Int, rrp: Double, totalAUD: Double, reason: String)] = []
        while try s.step() { out.append((Int(s.int(0)), s.double(1), s.double(2), s.string(3))) }
        return out
    }

    /// A JSON array of numbers as written by TradingWriter (null: NaN).
    static func numbers(_ text: String) -> [Double] {
        guard case .array(let items)? = try? JSON.parse(text) else { return [] }
        return items.map { $0.number ?? .nan }
    }
}

/// A bid with what its intervals came to, as trades.list reads it.
struct TradeRecord: Sendable {
    var bid: BidRow
    var intervals: Int
    var byStatus: [String: Int]
    var clearedMWh: Double
    var dispatchedMWh: Double
    var revenueAUD: Double
}

extension StoreReader {
    /// Bids matching the filters (nil: any), newest first, at most `limit`.
    func trades(id: Int64? = nil, vpp: String?, day: String?, market: String?, status: String?, limit: Int) throws(StoreError)
        -> [TradeRecord]
    {
        let s = try db.prepare("""
            SELECT b.id, b.vpp, b.market, b.side, b.day, b.bands, b.source, b.principal, b.reason, b.rebid_of,
                   b.submitted_ms, b.status, COUNT(i.interval_end_ms),
                   SUM(CASE WHEN i.status = 'submitted' THEN 1 ELSE 0 END), SUM(CASE WHEN i.status = 'cleared' THEN 1 ELSE 0 END), SUM(CASE WHEN i.status = 'dispatched' THEN 1 ELSE 0 END),
                   SUM(CASE WHEN i.status = 'settled' THEN 1 ELSE 0 END), SUM(CASE WHEN i.status = 'cancelled' THEN 1 ELSE 0 END),
                   COALESCE(SUM(i.cleared_mw), 0), COALESCE(SUM(i.dispatched_mw), 0), COALESCE(SUM(i.revenue_aud), 0)
            FROM bids b LEFT JOIN bid_intervals i ON i.bid = b.id
            WHERE (CAST(?1 AS TEXT) IS NULL OR b.vpp = ?1) AND (CAST(?2 AS TEXT) IS NULL OR b.day = ?2) AND (CAST(?3 AS TEXT) IS NULL OR b.market = ?3)
              AND (CAST(?4 AS TEXT) IS NULL OR b.status = ?4) AND (CAST(?6 AS BIGINT) IS NULL OR b.id = ?6)
            GROUP BY b.id ORDER BY b.id DESC LIMIT ?5
            """)
        s.bind(1, vpp)
        s.bind(2, day)
        s.bind(3, market)
        s.bind(4, status)
        s.bind(5, limit)
        if let id { s.bind(6, id) } else { s.bindNull(6) }
        let hours = 5.0 / 60
        var out: [TradeRecord] = []
        while try s.step() {
            let bid = BidRow(id: s.int(0), vpp: s.string(1), market: s.string(2), side: s.string(3), day: s.string(4),
                             bands: Self.numbers(s.string(5)), source: s.string(6), principal: s.string(7), reason: s.string(8),
                             rebidOf: s.isNull(9) ? nil : s.int(9), submittedMs: s.int(10), status: s.string(11))
            var byStatus: [String: Int] = [:]
            for (k, name) in BidBook.Status.allCases.enumerated() where s.int(Int32(13 + k)) > 0 {
                byStatus[name.rawValue] = Int(s.int(Int32(13 + k)))
            }
            out.append(TradeRecord(bid: bid, intervals: Int(s.int(12)), byStatus: byStatus, clearedMWh: s.double(18) * hours,
                                   dispatchedMWh: s.double(19) * hours, revenueAUD: s.double(20)))
        }
        return out
    }

    /// The intervals of bid `id`, oldest first.
    func bidIntervals(_ id: Int64) throws(StoreError) -> [BidIntervalRow] {
        let s = try db.prepare("""
            SELECT interval_end_ms, mw, status, price, cleared_mw, dispatched_mw, revenue_aud, message, submitted_ms,
                   cleared_ms, dispatched_ms, settled_ms, cancelled_ms
            FROM bid_intervals WHERE bid = ? ORDER BY interval_end_ms
            """)
        s.bind(1, id)
        var out: [BidIntervalRow] = []
        func opt(_ c: Int32) -> Double? { s.isNull(c) ? nil : s.double(c) }
        func optInt(_ c: Int32) -> Int64? { s.isNull(c) ? nil : s.int(c) }
        while try s.step() {
            out.append(BidIntervalRow(bid: id, intervalEndMs: s.int(0), mw: Self.numbers(s.string(1)), status: s.string(2),
                                      price: opt(3), clearedMW: opt(4), dispatchedMW: opt(5), revenueAUD: opt(6),
                                      message: s.string(7), submittedMs: s.int(8), clearedMs: optInt(9),
                                      dispatchedMs: optInt(10), settledMs: optInt(11), cancelledMs: optInt(12)))
        }
        return out
    }

    func maxBidID() throws(StoreError) -> Int64 {
        try db.scalar("SELECT COALESCE(MAX(id), 0) FROM bids") ?? 0
    }
}

extension StoreReader {
    /// Stored events of `run` in (from, to] whose kind starts with one of
    /// `prefixes` (and whose source is `source`, when given), oldest first.
    func events(run: Int64, prefixes: [String], source: String?, fromMs: Int64, toMs: Int64, limit: Int) throws(StoreError)
        -> [(tMs: Int64, severity: String, source: String, kind: String, message: String)]
    {
        let kinds = prefixes.map { _ in "kind LIKE ? || '%'" }.joined(separator: " OR ")
        let s = try db.prepare("""
            SELECT t_ms, severity, source, kind, message FROM events
            WHERE run = ? AND t_ms > ? AND t_ms <= ? AND (CAST(? AS TEXT) IS NULL OR source = ?) AND (\(kinds.isEmpty ? "1 = 1" : kinds))
            ORDER BY id LIMIT ?
            """)
        s.bind(1, run)
        s.bind(2, fromMs)
        s.bind(3, toMs)
        s.bind(4, source)
        s.bind(5, source)
        for (k, p) in prefixes.enumerated() { s.bind(Int32(6 + k), p) }
        s.bind(Int32(6 + prefixes.count), limit)
        var out: [(tMs: Int64, severity: String, source: String, kind: String, message: String)] = []
        while try s.step() { out.append((s.int(0), s.string(1), s.string(2), s.string(3), s.string(4))) }
        return out
    }
}

/// A resource's settlement over a range: one device or one site.
struct ResourceTotals: Sendable {
    var key: String
    var device: UInt32?
    var site: String
    var intervals: Int
    var energyWh: Double
    var dischargedWh: Double
    var energyAUD: Double
    var costAUD: Double
    var networkAUD: Double
    var demandAUD: Double
}

extension StoreReader {
    /// Members' parts of settled intervals of `run` in (from, to], summed by
    /// device or by site, in key order, at most `limit`.
    func settlementByResource(run: Int64, vpp: String?, bySite: Bool, fromMs: Int64, toMs: Int64, limit: Int) throws(StoreError)
        -> [ResourceTotals]
    {
        let key = bySite ? "site" : "device"
        let s = try db.prepare("""
            SELECT \(key), MIN(device), MIN(site), COUNT(*), SUM(energy_wh), SUM(discharged_wh), SUM(energy_aud), SUM(cost_aud),
                   SUM(network_aud), SUM(demand_aud)
            FROM settlement_devices
            WHERE run = ?1 AND (CAST(?2 AS TEXT) IS NULL OR vpp = ?2) AND interval_end_ms > ?3 AND interval_end_ms <= ?4
            GROUP BY \(key) ORDER BY \(key) LIMIT ?5
            """)
        s.bind(1, run)
        s.bind(2, vpp)
        s.bind(3, fromMs)
        s.bind(4, toMs)
        s.bind(5, limit)
        var out: [ResourceTotals] = []
        while try s.step() {
            out.append(ResourceTotals(key: s.string(0), device: bySite ? nil : UInt32(truncatingIfNeeded: s.int(1)), site: s.string(2),
                                      intervals: Int(s.int(3)), energyWh: s.double(4), dischargedWh: s.double(5),
                                      energyAUD: s.double(6), costAUD: s.double(7), networkAUD: s.double(8),
                                      demandAUD: s.double(9)))
        }
        return out
    }
}

extension StoreReader {
    /// Bids left open by earlier runs (neither settled nor cancelled), with
    /// their intervals, oldest first.
    func openBids() throws(StoreError) -> [(bid: BidRow, intervals: [BidIntervalRow])] {
        let s = try db.prepare("""
            SELECT id FROM bids WHERE status IN ('submitted', 'cleared', 'dispatched') ORDER BY id LIMIT 10000
            """)
        var ids: [Int64] = []
        while try s.step() { ids.append(s.int(0)) }
        var out: [(bid: BidRow, intervals: [BidIntervalRow])] = []
        for id in ids {
            guard let t = try trades(id: id, vpp: nil, day: nil, market: nil, status: nil, limit: 1).first else { continue }
            out.append((t.bid, try bidIntervals(id)))
        }
        return out
    }
}
