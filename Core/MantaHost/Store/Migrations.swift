import MantaIO

/// The store's schema, as a list of versioned steps.
///
/// A step, once released, is never edited: a schema change is a new step.
/// `apply` runs the missing steps in order, each in its own transaction, and
/// refuses a database written by a newer Manta.
///
/// Times are int64 ms since the Unix epoch, UTC. Interval columns hold the
/// END of the interval (AEMO convention). Power in W, price in AUD/MWh.
enum Migrations {
    struct Step {
        let version: Int
        let description: String
        let sql: String
        /// The step for PostgreSQL. Steps up to PostgresSchema.baselineVersion
        /// have none: the baseline made their schema at once.
        var postgres: String? = nil
    }

    static let steps: [Step] = [
        Step(version: 1, description: "plugins, devices, telemetry, prices, dispatch, audit, events", sql: """
            CREATE TABLE plugins (
                instance    TEXT PRIMARY KEY,      -- name given in the host config
                plugin_id   TEXT NOT NULL,         -- manifest id, e.g. manta.sim
                version     TEXT NOT NULL,
                kind        TEXT NOT NULL,         -- driver | strategy | market
                path        TEXT NOT NULL,         -- shared library loaded
                state       TEXT NOT NULL,         -- last state seen
                loaded_ms   INTEGER NOT NULL,
                detail      TEXT NOT NULL DEFAULT ''
            );
            CREATE TABLE devices (
                id          INTEGER PRIMARY KEY,   -- fleet-wide device number, stable
                instance    TEXT NOT NULL,
                key         TEXT NOT NULL,         -- driver's stable key
                kind        TEXT NOT NULL,
                site        TEXT NOT NULL,
                manufacturer TEXT NOT NULL DEFAULT '',
                model       TEXT NOT NULL DEFAULT '',
                serial      TEXT NOT NULL DEFAULT '',
                rated_w     REAL, max_charge_w REAL, max_discharge_w REAL,
                capacity_wh REAL, soc_min REAL, soc_max REAL,
                first_seen_ms INTEGER NOT NULL,
                UNIQUE (instance, key)
            );
            CREATE TABLE points (
                id          INTEGER PRIMARY KEY,   -- catalog id, never reused
                name        TEXT NOT NULL UNIQUE,
                unit        TEXT NOT NULL
            );
            -- One row per sample, clustered by series: one B-tree, not a table
            -- and an index. A sample re-sent for the same instant replaces the
            -- first. quality: 0 good, 1 estimated, 2 stale, 3 invalid; value is
            -- NULL when the sample was not a finite number.
            CREATE TABLE telemetry (
                device      INTEGER NOT NULL,
                point       INTEGER NOT NULL,
                t_ms        INTEGER NOT NULL,
                value       REAL,
                quality     INTEGER NOT NULL,
                PRIMARY KEY (device, point, t_ms)
            ) WITHOUT ROWID;
            CREATE TABLE prices (
                region      TEXT NOT NULL,
                interval_end_ms INTEGER NOT NULL,  -- END of the 5-minute interval
                rrp         REAL NOT NULL,         -- AUD/MWh
                demand_mw   REAL,
                firm        INTEGER NOT NULL,
                source      TEXT NOT NULL,         -- market instance
                PRIMARY KEY (region, interval_end_ms)
            ) WITHOUT ROWID;
            -- One row per VPP per interval: what was decided and how.
            CREATE TABLE dispatch_intervals (
                id          INTEGER PRIMARY KEY,
                vpp         TEXT NOT NULL,
                interval_end_ms INTEGER NOT NULL,
                price       REAL,
                strategy    TEXT NOT NULL,
                status      TEXT NOT NULL,         -- ok | fallback
                reason      TEXT NOT NULL,
                decided_ms  INTEGER NOT NULL,      -- host clock
                decide_us   INTEGER NOT NULL,      -- wall time the strategy took
                UNIQUE (vpp, interval_end_ms)
            );
            CREATE TABLE dispatch_commands (
                id          INTEGER PRIMARY KEY,   -- command id sent to the driver
                interval_id INTEGER NOT NULL REFERENCES dispatch_intervals(id),
                device      INTEGER NOT NULL,
                requested_w REAL,                  -- what the strategy asked
                target_w    REAL NOT NULL,         -- what the host sent after limits
                note        TEXT NOT NULL DEFAULT '',
                valid_from_ms INTEGER NOT NULL,
                valid_until_ms INTEGER NOT NULL
            );
            CREATE INDEX dispatch_commands_by_interval ON dispatch_commands (interval_id);
            CREATE TABLE dispatch_outcomes (
                command_id  INTEGER PRIMARY KEY REFERENCES dispatch_commands(id),
                outcome     TEXT NOT NULL,         -- applied | clamped | rejected | failed | timeout
                applied_w   REAL,
                message     TEXT NOT NULL,
                t_ms        INTEGER NOT NULL
            );
            CREATE TABLE audit_log (
                id          INTEGER PRIMARY KEY,
                t_ms        INTEGER NOT NULL,      -- wall clock
                principal   TEXT NOT NULL,         -- token name, or 'local'
                peer        TEXT NOT NULL,
                method      TEXT NOT NULL,
                params      TEXT NOT NULL,
                outcome     TEXT NOT NULL          -- ok | denied | error: ...
            );
            CREATE TABLE events (
                id          INTEGER PRIMARY KEY,
                t_ms        INTEGER NOT NULL,      -- host clock
                severity    TEXT NOT NULL,         -- info | warning | error
                source      TEXT NOT NULL,
                kind        TEXT NOT NULL,
                message     TEXT NOT NULL
            );
            """),
        Step(version: 2, description: "backtests", sql: """
            -- Backtests started through the API (backtest.run) and what they came to.
            CREATE TABLE backtests (
                id          INTEGER PRIMARY KEY,
                created_ms  INTEGER NOT NULL,      -- wall clock
                finished_ms INTEGER,
                state       TEXT NOT NULL,         -- running | done | failed
                request     TEXT NOT NULL,         -- the params, JSON
                summary     TEXT,                  -- the result, JSON (as manta backtest --json)
                error       TEXT
            );
            """),
        Step(version: 3, description: "control commands", sql: """
            -- Setpoints outside the dispatch cycle: an operator's devices.control,
            -- and the export limits the host keeps on sites (config, network
            -- operator, strategy). Ids share the dispatch commands' sequence.
            CREATE TABLE control_commands (
                id              INTEGER PRIMARY KEY,
                t_ms            INTEGER NOT NULL,  -- host clock, when sent
                device          INTEGER NOT NULL REFERENCES devices(id),
                mode            TEXT NOT NULL,     -- active_power | export_limit
                value_w         REAL NOT NULL,     -- what was asked
                source          TEXT NOT NULL,     -- operator | config | network | strategy
                valid_until_ms  INTEGER NOT NULL,  -- host clock
                outcome         TEXT,              -- applied | clamped | rejected | failed; NULL until answered
                applied_w       REAL,              -- read back from the device
                message         TEXT
            );
            CREATE INDEX control_commands_by_device ON control_commands (device, t_ms);
            """),
        Step(version: 4, description: "runs", sql: """
            -- One row per start of mantad. Rows below that carry `run` belong to
            -- that run, so a replay started again over the same hours keeps its
            -- history apart (0: written before runs were recorded).
            CREATE TABLE runs (
                id              INTEGER PRIMARY KEY,
                started_ms      INTEGER NOT NULL,  -- wall clock
                clock           TEXT NOT NULL,     -- realtime | replay
                replay_start_ms INTEGER,           -- host clock at the start of a replay
                speed           REAL NOT NULL,     -- host ms per wall ms
                config          TEXT NOT NULL      -- the config file
            );
            -- Telemetry keyed by run too: the same instant of a replayed day is
            -- a different sample in each run. Still one B-tree per series.
            CREATE TABLE telemetry_v4 (
                device      INTEGER NOT NULL,
                point       INTEGER NOT NULL,
                t_ms        INTEGER NOT NULL,
                run         INTEGER NOT NULL DEFAULT 0,
                value       REAL,
                quality     INTEGER NOT NULL,
                PRIMARY KEY (device, point, t_ms, run)
            ) WITHOUT ROWID;
            INSERT INTO telemetry_v4 (device, point, t_ms, run, value, quality)
                SELECT device, point, t_ms, 0, value, quality FROM telemetry;
            DROP TABLE telemetry;
            ALTER TABLE telemetry_v4 RENAME TO telemetry;
            -- An interval is decided once per VPP and run.
            CREATE TABLE dispatch_intervals_v4 (
                id          INTEGER PRIMARY KEY,
                run         INTEGER NOT NULL DEFAULT 0,
                vpp         TEXT NOT NULL,
                interval_end_ms INTEGER NOT NULL,  -- END of the interval
                price       REAL,
                strategy    TEXT NOT NULL,
                status      TEXT NOT NULL,         -- ok | degraded (decided without a price, members or
                                                   -- any state of charge) | fallback (no decision: held)
                reason      TEXT NOT NULL,
                decided_ms  INTEGER NOT NULL,      -- host clock
                decide_us   INTEGER NOT NULL,      -- wall time the strategy took
                UNIQUE (run, vpp, interval_end_ms)
            );
            INSERT INTO dispatch_intervals_v4
                    (id, run, vpp, interval_end_ms, price, strategy, status, reason, decided_ms, decide_us)
                SELECT id, 0, vpp, interval_end_ms, price, strategy, status, reason, decided_ms, decide_us
                FROM dispatch_intervals;
            DROP TABLE dispatch_intervals;
            ALTER TABLE dispatch_intervals_v4 RENAME TO dispatch_intervals;
            ALTER TABLE events ADD COLUMN run INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE control_commands ADD COLUMN run INTEGER NOT NULL DEFAULT 0;
            """),
        Step(version: 5, description: "dispatch speed", sql: """
            -- How fast each interval reached the fleet, measured by the host (wall
            -- clock, microseconds from the decision): to the last setpoint handed to
            -- a driver, and to the last outcome reported back. NULL until known, and
            -- for an interval that sent no setpoint.
            ALTER TABLE dispatch_intervals ADD COLUMN dispatch_us INTEGER;
            ALTER TABLE dispatch_intervals ADD COLUMN applied_us INTEGER;
            """),
        Step(version: 6, description: "fleet operations", sql: """
            -- VPPs created or changed at runtime (vpps.create and friends), as the
            -- JSON vpps.create takes; NULL when deleted. At boot a row replaces the
            -- config's VPP of that id, or adds one; a config VPP without a row
            -- follows the config.
            CREATE TABLE vpp_definitions (
                id          TEXT PRIMARY KEY,
                definition  TEXT,
                updated_ms  INTEGER NOT NULL,      -- wall clock
                principal   TEXT NOT NULL
            );
            -- Import caps (cap.set), as JSON {limit_w, days, from_minute, to_minute,
            -- reserve_wh}; a cap cleared is deleted. Set again at boot.
            CREATE TABLE import_caps (
                target      TEXT PRIMARY KEY,      -- site:ID | vpp:ID
                definition  TEXT NOT NULL,
                updated_ms  INTEGER NOT NULL       -- wall clock
            );
            -- Operator instructions (dispatch.submit): a VPP target for a window
            -- that overrides its strategy. Times are host clock.
            CREATE TABLE dispatch_instructions (
                id          INTEGER PRIMARY KEY,
                run         INTEGER NOT NULL,
                vpp         TEXT NOT NULL,
                target_w    REAL NOT NULL,
                start_ms    INTEGER NOT NULL,
                end_ms      INTEGER NOT NULL,
                reason      TEXT NOT NULL DEFAULT '',
                principal   TEXT NOT NULL,
                created_ms  INTEGER NOT NULL,
                state       TEXT NOT NULL,         -- pending | active | done | cancelled
                actual_w    REAL,                  -- last measured fleet power in its window
                deviation_w REAL                   -- actual_w - target_w
            );
            -- One row per decision: an interval is decided again when an
            -- instruction begins, ends or is cancelled within it, so (run, vpp,
            -- interval) is no longer unique. The closed loop's finding is kept
            -- with its decision: fleet power measured after the setpoints took
            -- effect, its deviation from the target, and how many setpoints the
            -- correction pass re-sent.
            CREATE TABLE dispatch_intervals_v6 (
                id          INTEGER PRIMARY KEY,
                run         INTEGER NOT NULL DEFAULT 0,
                vpp         TEXT NOT NULL,
                interval_end_ms INTEGER NOT NULL,  -- END of the interval
                price       REAL,
                strategy    TEXT NOT NULL,         -- or instruction:ID
                status      TEXT NOT NULL,         -- ok | degraded | fallback
                reason      TEXT NOT NULL,
                decided_ms  INTEGER NOT NULL,      -- host clock
                decide_us   INTEGER NOT NULL,      -- wall time the decision took
                soc_estimated INTEGER NOT NULL DEFAULT 0, -- members decided on a carried-forward SOC
                dispatch_us INTEGER,
                applied_us  INTEGER,
                actual_w    REAL,
                deviation_w REAL,
                corrected   INTEGER
            );
            INSERT INTO dispatch_intervals_v6
                    (id, run, vpp, interval_end_ms, price, strategy, status, reason, decided_ms, decide_us,
                     dispatch_us, applied_us)
                SELECT id, run, vpp, interval_end_ms, price, strategy, status, reason, decided_ms, decide_us,
                       dispatch_us, applied_us
                FROM dispatch_intervals;
            DROP TABLE dispatch_intervals;
            ALTER TABLE dispatch_intervals_v6 RENAME TO dispatch_intervals;
            CREATE INDEX dispatch_intervals_by_interval ON dispatch_intervals (run, interval_end_ms, vpp);
            """),
        Step(version: 7, description: "FCAS prices", sql: """
            -- The ten FCAS prices, AUD/MW/h of enablement, as the connector
            -- published them (manta_price_t.fcas); NULL where it gave none.
            ALTER TABLE prices ADD COLUMN raise1sec REAL;
            ALTER TABLE prices ADD COLUMN raise6sec REAL;
            ALTER TABLE prices ADD COLUMN raise60sec REAL;
            ALTER TABLE prices ADD COLUMN raise5min REAL;
            ALTER TABLE prices ADD COLUMN raisereg REAL;
            ALTER TABLE prices ADD COLUMN lower1sec REAL;
            ALTER TABLE prices ADD COLUMN lower6sec REAL;
            ALTER TABLE prices ADD COLUMN lower60sec REAL;
            ALTER TABLE prices ADD COLUMN lower5min REAL;
            ALTER TABLE prices ADD COLUMN lowerreg REAL;
            """),
        Step(version: 8, description: "settlement and trading records", sql: TradingSchema.sql),
        Step(version: 9, description: "settlement by device", sql: TradingSchema.devicesSQL),
        Step(version: 10, description: "network and demand charges", sql: TradingSchema.chargesSQL),
        Step(version: 11, description: "operating envelopes", sql: """
            -- Dynamic operating envelopes (envelopes.set): a site's or a feeder
            -- group's export limits window by window, as JSON [[start_ms, end_ms,
            -- export_limit_w], ...] in host-clock ms; a schedule cleared or run
            -- out is deleted. Set again at boot.
            CREATE TABLE operating_envelopes (
                target      TEXT PRIMARY KEY,      -- site:ID | feeder:ID
                definition  TEXT NOT NULL,
                updated_ms  INTEGER NOT NULL       -- wall clock
            );
            """),
        Step(version: 12, description: "issued API tokens", sql: """
            -- API tokens issued with tokens.create, by name, as JSON {sha256 (hex),
            -- role, created_ms, created_by}: the digest only, never the token. A
            -- revoked token is deleted. The config's api.tokens are not here.
            CREATE TABLE api_tokens (
                target      TEXT PRIMARY KEY,      -- the token's name
                definition  TEXT NOT NULL,
                updated_ms  INTEGER NOT NULL       -- wall clock
            );
            """),
        Step(version: 13, description: "edge outbox and batch numbers", sql: EdgeSchema.sql),
    ]

    static var latest: Int { steps.last?.version ?? 0 }

    /// Brings `db` up to the latest schema.
    static func apply(to db: any StoreDatabase) throws(StoreError) {
        switch db.dialect {
        case .sqlite: try applySQLite(db)
        case .postgres: try applyPostgres(db)
        }
    }

    private static func applySQLite(_ db: any StoreDatabase) throws(StoreError) {
        try db.exec("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_ms INTEGER NOT NULL)
            """)
        let current = Int(try db.scalar("SELECT COALESCE(MAX(version), 0) FROM schema_migrations") ?? 0)
        guard current <= latest else {
            throw StoreError("\(db.name) has schema version \(current); this Manta knows up to \(latest): use a newer mantad")
        }
        for step in steps where step.version > current {
            try db.exec("BEGIN IMMEDIATE")
            do throws(StoreError) {
                try db.exec(step.sql)
                try mark(step.version, step.description, in: db)
                try db.exec("COMMIT")
            } catch {
                try? db.exec("ROLLBACK")
                throw StoreError("migration \(step.version) (\(step.description)) failed: \(error)")
            }
        }
    }

    /// Records that `version` is applied.
    static func mark(_ version: Int, _ description: String, in db: any StoreDatabase) throws(StoreError) {
        let mark = try db.prepare("INSERT INTO schema_migrations (version, description, applied_ms) VALUES (?, ?, ?)")
        mark.bind(1, version)
        mark.bind(2, description)
        mark.bind(3, WallClock.nowMs())
        try mark.run()
    }
}
