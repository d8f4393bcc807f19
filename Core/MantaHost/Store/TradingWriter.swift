import MantaJSON

/// Writes the trading rows of a batch, inside the batch's transaction.
///
/// [store writer thread] Owned by the writer's connection.
final class TradingWriter {
    private let settlement, device, bid, bidInterval: any StoreStatement

    init(_ db: any StoreDatabase) throws(StoreError) {
        settlement = try db.prepare("""
            INSERT OR REPLACE INTO settlements (run, vpp, interval_end_ms, revision, region, strategy, rrp, firm, members,
                metered, coverage, energy_wh, discharged_wh, fcas_mw, energy_aud, raise1sec_aud, raise6sec_aud,
                raise60sec_aud, raise5min_aud, raisereg_aud, lower1sec_aud, lower6sec_aud, lower60sec_aud,
                lower5min_aud, lowerreg_aud, fcas_aud, cost_aud, total_aud, reason, settled_ms, network_aud, demand_aud)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        device = try db.prepare("""
            INSERT OR REPLACE INTO settlement_devices (run, vpp, interval_end_ms, device, site, energy_wh, discharged_wh,
                energy_aud, cost_aud, revision, network_aud, demand_aud)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        bid = try db.prepare("""
            INSERT OR REPLACE INTO bids (id, run, vpp, market, side, day, bands, source, principal, reason, rebid_of,
                submitted_ms, status)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        bidInterval = try db.prepare("""
            INSERT OR REPLACE INTO bid_intervals (bid, interval_end_ms, mw, status, price, cleared_mw, dispatched_mw,
                revenue_aud, message, submitted_ms, cleared_ms, dispatched_ms, settled_ms, cancelled_ms)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
    }

    func insert(_ t: TradingRows, run: Int64) throws(StoreError) {
        for r in t.settlements {
            let s = settlement
            s.bind(1, run); s.bind(2, r.vpp); s.bind(3, r.intervalEndMs); s.bind(4, r.revision); s.bind(5, r.region)
            s.bind(6, r.strategy); s.bind(7, r.rrp); s.bind(8, r.firm ? 1 : 0); s.bind(9, r.members); s.bind(10, r.metered)
            s.bind(11, r.coverage); s.bind(12, r.energyWh); s.bind(13, r.dischargedWh); s.bind(14, Self.numbers(r.fcasMW))
            s.bind(15, r.energyAUD)
            for k in 0..<10 { s.bind(Int32(16 + k), k < r.fcasAUD.count ? r.fcasAUD[k] : 0) }
            s.bind(26, r.fcasTotalAUD); s.bind(27, r.costAUD); s.bind(28, r.totalAUD); s.bind(29, r.reason)
            s.bind(30, r.settledMs); s.bind(31, r.networkAUD); s.bind(32, r.demandAUD)
            try s.run()
        }
        for d in t.devices {
            device.bind(1, run); device.bind(2, d.vpp); device.bind(3, d.intervalEndMs); device.bind(4, Int64(d.device))
            device.bind(5, d.site); device.bind(6, d.energyWh); device.bind(7, d.dischargedWh); device.bind(8, d.energyAUD)
            device.bind(9, d.costAUD); device.bind(10, d.revision); device.bind(11, d.networkAUD); device.bind(12, d.demandAUD)
            try device.run()
        }
        for b in t.bids {
            bid.bind(1, b.id); bid.bind(2, run); bid.bind(3, b.vpp); bid.bind(4, b.market); bid.bind(5, b.side)
            bid.bind(6, b.day); bid.bind(7, Self.numbers(b.bands)); bid.bind(8, b.source); bid.bind(9, b.principal)
            bid.bind(10, b.reason)
            if let r = b.rebidOf { bid.bind(11, r) } else { bid.bindNull(11) }
            bid.bind(12, b.submittedMs); bid.bind(13, b.status)
            try bid.run()
        }
        for i in t.bidIntervals {
            let s = bidInterval
            s.bind(1, i.bid); s.bind(2, i.intervalEndMs); s.bind(3, Self.numbers(i.mw)); s.bind(4, i.status)
            for (k, v) in [i.price, i.clearedMW, i.dispatchedMW, i.revenueAUD].enumerated() {
                if let v { s.bind(Int32(5 + k), v) } else { s.bindNull(Int32(5 + k)) }
            }
            s.bind(9, i.message)
            s.bind(10, i.submittedMs)
            for (k, t) in [i.clearedMs, i.dispatchedMs, i.settledMs, i.cancelledMs].enumerated() {
                if let t { s.bind(Int32(11 + k), t) } else { s.bindNull(Int32(11 + k)) }
            }
            try s.run()
        }
    }

    /// A JSON array of numbers (non-finite as null).
    static func numbers(_ v: [Double]) -> String {
        JSON.array(v.map { $0.isFinite ? .number($0) : .null }).serialized()
    }
}
