import MantaModel

/// Read queries against the store, for startup and the RPC methods.
///
/// [loop] Its own connection, used on the loop thread. What it sees is
/// what has been committed (SQLite: WAL mode lets it read while the writer
/// commits; PostgreSQL: read committed).
@LoopActor
final class StoreReader {
    let db: any StoreDatabase

    /// A read-only connection to the store `store` names; the writer has
    /// made it and its schema already.
    init(store: HostConfig.Store) throws(StoreError) {
        db = try Self.open(store)
    }

    /// A read-only connection to the SQLite store at `path`.
    init(path: String) throws(StoreError) {
        db = try SQLiteDatabase(path: path, readOnly: true)
    }

    /// A read-only connection to the store, for whichever thread opens it.
    nonisolated static func open(_ store: HostConfig.Store) throws(StoreError) -> any StoreDatabase {
        switch store.backend {
        case .sqlite: try SQLiteDatabase(path: store.path, readOnly: true)
        case .postgres: try PostgresDatabase(url: store.url ?? "", readOnly: true)
        }
    }

    /// Device numbers already assigned, by "instance/key".
    func knownDevices() throws(StoreError) -> [String: UInt32] {
        let s = try db.prepare("SELECT instance, key, id FROM devices")
        var out: [String: UInt32] = [:]
        while try s.step() { out["\(s.string(0))/\(s.string(1))"] = UInt32(s.int(2)) }
        return out
    }

    func maxDispatchIDs() throws(StoreError) -> (interval: Int64, command: Int64) {
        (try db.scalar("SELECT COALESCE(MAX(id), 0) FROM dispatch_intervals") ?? 0,
         max(try db.scalar("SELECT COALESCE(MAX(id), 0) FROM dispatch_commands") ?? 0,
             try db.scalar("SELECT COALESCE(MAX(id), 0) FROM control_commands") ?? 0))
    }

    func maxRunID() throws(StoreError) -> Int64 {
        try db.scalar("SELECT COALESCE(MAX(id), 0) FROM runs") ?? 0
    }

    /// Runtime VPP definitions, oldest change first: (id, JSON or nil when deleted).
    func vppDefinitions() throws(StoreError) -> [(id: String, definition: String?)] {
        // Within a millisecond, SQLite's rowid is the order of the writes;
        // PostgreSQL keeps no such order, so the id decides.
        let tie = db.dialect == .sqlite ? "rowid" : "id"
        let s = try db.prepare("SELECT id, definition FROM vpp_definitions ORDER BY updated_ms, \(tie)")
        var out: [(id: String, definition: String?)] = []
        while try s.step() { out.append((s.string(0), s.isNull(1) ? nil : s.string(1))) }
        return out
    }

    /// Import caps set with cap.set: (target, JSON).
    func importCaps() throws(StoreError) -> [(target: String, definition: String)] {
        try definitions("import_caps")
    }

    /// Operating envelopes set with envelopes.set: (target, JSON).
    func operatingEnvelopes() throws(StoreError) -> [(target: String, definition: String)] {
        try definitions("operating_envelopes")
    }

    /// API tokens issued with tokens.create: (name, JSON).
    func apiTokens() throws(StoreError) -> [(target: String, definition: String)] {
        try definitions("api_tokens")
    }

    /// A (target, definition) table, in target order.
    private func definitions(_ table: String) throws(StoreError) -> [(target: String, definition: String)] {
        let s = try db.prepare("SELECT target, definition FROM \(table) ORDER BY target")
        var out: [(target: String, definition: String)] = []
        while try s.step() { out.append((s.string(0), s.string(1))) }
        return out
    }

    func maxInstructionID() throws(StoreError) -> Int64 {
        try db.scalar("SELECT COALESCE(MAX(id), 0) FROM dispatch_instructions") ?? 0
    }

    func maxBacktestID() throws(StoreError) -> Int64 {
        try db.scalar("SELECT COALESCE(MAX(id), 0) FROM backtests") ?? 0
    }

    /// A stored backtest: (state, request, summary, error, created, finished).
    func backtest(_ id: Int64) throws(StoreError) -> BacktestRow? {
        let s = try db.prepare("SELECT id, created_ms, finished_ms, state, request, summary, error FROM backtests WHERE id = ?")
        s.bind(1, id)
        guard try s.step() else { return nil }
        return BacktestRow(id: s.int(0), createdMs: s.int(1), finishedMs: s.isNull(2) ? nil : s.int(2), state: s.string(3),
                           request: s.string(4), summary: s.isNull(5) ? nil : s.string(5), error: s.isNull(6) ? nil : s.string(6))
    }

    struct IntervalRow: Sendable {
        var id: Int64
        var vpp: String
        var intervalEndMs: Int64
        var price: Double
        var strategy, status, reason: String
        var decidedMs: Int64
        var decideMicros: Int64
        /// Decision to the last setpoint handed to a driver, and to the last outcome; nil until known.
        var dispatchMicros: Int64?
        var appliedMicros: Int64?
        var socEstimated: Int
        var commands: Int
        var targetW: Double
        var charging: Int
        var discharging: Int
        var appliedW: Double
        var outcomes: Int
    }

    /// Decisions of `run`, newest first, with their commands summed (only
    /// the `limit` picked are summed: a run's millions of commands are not read).
    func dispatchIntervals(run: Int64, vpp: String?, fromMs: Int64, toMs: Int64, limit: Int) throws(StoreError) -> [IntervalRow] {
        let s = try db.prepare("""
            WITH picked AS (
                SELECT * FROM dispatch_intervals
                WHERE (CAST(?1 AS TEXT) IS NULL OR vpp = ?1) AND interval_end_ms > ?2 AND interval_end_ms <= ?3 AND run = ?5
                ORDER BY interval_end_ms DESC, vpp, id DESC LIMIT ?4),
            -- A device's last command in a decision stands (the closed loop's
            -- correction replaces the first).
            last AS (
                SELECT c.interval_id, MAX(c.id) AS id FROM dispatch_commands c JOIN picked p ON c.interval_id = p.id
                GROUP BY c.interval_id, c.device)
            SELECT i.id, i.vpp, i.interval_end_ms, i.price, i.strategy, i.status, i.reason, i.decided_ms, i.decide_us,
                   i.dispatch_us, i.applied_us, i.soc_estimated,
                   COUNT(c.id), COALESCE(SUM(c.target_w), 0),
                   COALESCE(SUM(CASE WHEN c.target_w < 0 THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN c.target_w > 0 THEN 1 ELSE 0 END), 0),
                   COALESCE(SUM(o.applied_w), 0), COUNT(o.command_id)
            FROM picked i
            LEFT JOIN last l ON l.interval_id = i.id
            LEFT JOIN dispatch_commands c ON c.id = l.id
            LEFT JOIN dispatch_outcomes o ON o.command_id = c.id
            GROUP BY i.id, i.vpp, i.interval_end_ms, i.price, i.strategy, i.status, i.reason, i.decided_ms, i.decide_us,
                     i.dispatch_us, i.applied_us, i.soc_estimated
            ORDER BY i.interval_end_ms DESC, i.vpp, i.id DESC
            """)
        s.bind(1, vpp)
        s.bind(2, fromMs)
        s.bind(3, toMs)
        s.bind(4, limit)
        s.bind(5, run)
        var out: [IntervalRow] = []
        while try s.step() {
            out.append(IntervalRow(
                id: s.int(0), vpp: s.string(1), intervalEndMs: s.int(2), price: s.double(3), strategy: s.string(4),
                status: s.string(5), reason: s.string(6), decidedMs: s.int(7), decideMicros: s.int(8),
                dispatchMicros: s.isNull(9) ? nil : s.int(9), appliedMicros: s.isNull(10) ? nil : s.int(10),
                socEstimated: Int(s.int(11)), commands: Int(s.int(12)), targetW: s.double(13), charging: Int(s.int(14)),
                discharging: Int(s.int(15)), appliedW: s.double(16), outcomes: Int(s.int(17))))
        }
        return out
    }

    struct CommandDetail: Sendable {
        var id: Int64
        var device: UInt32
        var requestedW, targetW: Double
        var note: String
        var outcome: String?
        var appliedW: Double
        var message: String
    }

    func commands(interval: Int64) throws(StoreError) -> [CommandDetail] {
        let s = try db.prepare("""
            SELECT c.id, c.device, c.requested_w, c.target_w, c.note, o.outcome, o.applied_w, COALESCE(o.message, '')
            FROM dispatch_commands c LEFT JOIN dispatch_outcomes o ON o.command_id = c.id
            WHERE c.interval_id = ? ORDER BY c.id
            """)
        s.bind(1, interval)
        var out: [CommandDetail] = []
        while try s.step() {
            out.append(CommandDetail(id: s.int(0), device: UInt32(s.int(1)), requestedW: s.double(2), targetW: s.double(3),
                                     note: s.string(4), outcome: s.isNull(5) ? nil : s.string(5),
                                     appliedW: s.double(6), message: s.string(7)))
        }
        return out
    }

    /// Stored samples of one series, oldest first: of one run, or of every
    /// run when `run` is nil.
    func telemetry(device: UInt32, point: UInt32, run: Int64?, fromMs: Int64, toMs: Int64, limit: Int) throws(StoreError)
        -> [Sample]
    {
        let s = try db.prepare("""
            SELECT t_ms, value, quality FROM telemetry
            WHERE device = ?1 AND point = ?2 AND t_ms > ?3 AND t_ms <= ?4 AND (CAST(?6 AS BIGINT) IS NULL OR run = ?6)
            ORDER BY t_ms, run LIMIT ?5
            """)
        s.bind(1, Int64(device))
        s.bind(2, Int64(point))
        s.bind(3, fromMs)
        s.bind(4, toMs)
        s.bind(5, limit)
        if let run { s.bind(6, run) } else { s.bindNull(6) }
        var out: [Sample] = []
        while try s.step() {
            out.append(Sample(device: device, point: point, timeMs: s.int(0), value: s.double(1),
                              quality: Quality(rawValue: Int32(s.int(2))) ?? .invalid))
        }
        return out
    }
}
