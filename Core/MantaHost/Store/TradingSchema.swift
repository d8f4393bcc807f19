/// The trading desk's tables (migration 8): live settlement, bids and their
/// intervals. Times are host clock, money AUD, energy Wh, power MW as AEMO
/// bids it.
enum TradingSchema {
    static let sql = """
        -- One row per VPP, interval and revision: what the fleet was metered
        -- doing and what it earned. Revision 0 is the first settlement; a
        -- price revised by the market settles the interval again as the next
        -- revision, with the reason. The latest revision is the one that stands.
        CREATE TABLE settlements (
            run             INTEGER NOT NULL,
            vpp             TEXT NOT NULL,
            interval_end_ms INTEGER NOT NULL,  -- END of the interval
            revision        INTEGER NOT NULL,
            region          TEXT NOT NULL,
            strategy        TEXT NOT NULL,     -- what dispatched it
            rrp             REAL NOT NULL,     -- AUD/MWh
            firm            INTEGER NOT NULL,
            members         INTEGER NOT NULL,
            metered         INTEGER NOT NULL,  -- members with readings in the interval
            coverage        REAL NOT NULL,     -- share of member-time covered by readings, 0..1
            energy_wh       REAL NOT NULL,     -- net, + = exported (the VPP's share of each member)
            discharged_wh   REAL NOT NULL,
            fcas_mw         TEXT NOT NULL,     -- enabled MW by service, JSON array in MANTA_FCAS_* order
            energy_aud      REAL NOT NULL,
            raise1sec_aud REAL NOT NULL, raise6sec_aud REAL NOT NULL, raise60sec_aud REAL NOT NULL,
            raise5min_aud REAL NOT NULL, raisereg_aud REAL NOT NULL,
            lower1sec_aud REAL NOT NULL, lower6sec_aud REAL NOT NULL, lower60sec_aud REAL NOT NULL,
            lower5min_aud REAL NOT NULL, lowerreg_aud REAL NOT NULL,
            fcas_aud        REAL NOT NULL,
            cost_aud        REAL NOT NULL,     -- throughput: cost per MWh discharged
            total_aud       REAL NOT NULL,     -- energy + fcas - cost
            reason          TEXT NOT NULL,     -- '' or why it was settled again
            settled_ms      INTEGER NOT NULL,
            PRIMARY KEY (run, vpp, interval_end_ms, revision)
        ) WITHOUT ROWID;
        -- A VPP's offer for one trading day and market, in AEMO's form: ten
        -- ascending price bands. A rebid is a new bid naming the one it
        -- replaces; the replaced bid's intervals still open are cancelled.
        CREATE TABLE bids (
            id              INTEGER PRIMARY KEY,
            run             INTEGER NOT NULL,
            vpp             TEXT NOT NULL,
            market          TEXT NOT NULL,     -- energy | RAISE6SEC | ... (AEMO's names)
            side            TEXT NOT NULL,     -- generation | load (energy); raise | lower (FCAS)
            day             TEXT NOT NULL,     -- trading day, YYYY-MM-DD (04:00 to 04:00 market time)
            bands           TEXT NOT NULL,     -- ten prices, JSON
            source          TEXT NOT NULL,     -- operator | plan
            principal       TEXT NOT NULL,
            reason          TEXT NOT NULL,
            rebid_of        INTEGER,
            submitted_ms    INTEGER NOT NULL,
            status          TEXT NOT NULL      -- submitted | cleared | dispatched | settled | cancelled
        );
        CREATE INDEX bids_by_vpp ON bids (vpp, day);
        -- Each interval of a bid, from lodged to settled.
        CREATE TABLE bid_intervals (
            bid             INTEGER NOT NULL REFERENCES bids(id),
            interval_end_ms INTEGER NOT NULL,
            mw              TEXT NOT NULL,     -- ten MW, one per band, JSON
            status          TEXT NOT NULL,     -- submitted | cleared | dispatched | settled | cancelled
            price           REAL,              -- the interval's price (RRP, or the service's)
            cleared_mw      REAL,
            dispatched_mw   REAL,              -- the VPP's metered average (energy) or enabled MW (FCAS)
            revenue_aud     REAL,
            message         TEXT NOT NULL DEFAULT '',
            -- When it reached each status (host clock); NULL until it did.
            submitted_ms    INTEGER NOT NULL,
            cleared_ms      INTEGER,
            dispatched_ms   INTEGER,
            settled_ms      INTEGER,
            cancelled_ms    INTEGER,
            PRIMARY KEY (bid, interval_end_ms)
        ) WITHOUT ROWID;
        CREATE INDEX bid_intervals_by_end ON bid_intervals (interval_end_ms);
        """

    /// Migration 10: network and demand charges.
    static let chargesSQL = """
        ALTER TABLE settlements ADD COLUMN network_aud REAL NOT NULL DEFAULT 0;
        ALTER TABLE settlements ADD COLUMN demand_aud REAL NOT NULL DEFAULT 0;
        ALTER TABLE settlement_devices ADD COLUMN network_aud REAL NOT NULL DEFAULT 0;
        ALTER TABLE settlement_devices ADD COLUMN demand_aud REAL NOT NULL DEFAULT 0;
        """

    /// Migration 9: each member's part of a VPP's settled interval.
    static let devicesSQL = """
        -- One row per VPP, interval and member device: the VPP's share of
        -- the device's metered energy at the interval's price, and its
        -- throughput cost. FCAS is paid to the VPP (settlements) and not
        -- split by device. A revision replaces the row (the VPP's row keeps
        -- the history).
        CREATE TABLE settlement_devices (
            run             INTEGER NOT NULL,
            vpp             TEXT NOT NULL,
            interval_end_ms INTEGER NOT NULL,
            device          INTEGER NOT NULL,
            site            TEXT NOT NULL,
            energy_wh       REAL NOT NULL,
            discharged_wh   REAL NOT NULL,
            energy_aud      REAL NOT NULL,
            cost_aud        REAL NOT NULL,
            revision        INTEGER NOT NULL,
            PRIMARY KEY (run, vpp, interval_end_ms, device)
        ) WITHOUT ROWID;
        """
}
