import MantaModel
import MantaTestSupport
import Synchronization
import Testing
@testable import MantaHost

/// What only PostgreSQL has: a second catalog to keep equal to SQLite's,
/// telemetry partitioned by day, and a server that can go away.
@Suite(.enabled(if: TestStore.postgresURL != nil, "needs MANTA_TEST_POSTGRES_URL (make test starts a server)"))
struct PostgresStore {
    static let day = StoreBackends.day

    @Test func itsSchemaHasSQLitesTablesColumnsTypesAndKeys() throws {
        let sqliteStore = try StoreBackends.store(.sqlite, "catalog-sqlite")
        let pgStore = try StoreBackends.store(.postgres, "catalog-pg")
        try StoreWriter(store: sqliteStore).close()
        try StoreWriter(store: pgStore).close()
        let lite = try SQLiteDatabase(path: sqliteStore.path, readOnly: true)
        let pg = try PostgresDatabase(url: pgStore.url!)

        // table -> [column type nullable], in column order; and each table's primary key.
        var liteColumns: [String: [String]] = [:], liteKeys: [String: [String]] = [:]
        let tables = try lite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        var names: [String] = []
        while try tables.step() { names.append(tables.string(0)) }
        for t in names {
            let info = try lite.prepare("SELECT name, type, \"notnull\", pk FROM pragma_table_info('\(t)') ORDER BY cid")
            var keys: [(Int64, String)] = []
            while try info.step() {
                let type = ["INTEGER": "bigint", "REAL": "double precision", "TEXT": "text"][info.string(1)] ?? info.string(1)
                // SQLite lets an INTEGER PRIMARY KEY be NULL on insert (it picks the rowid); PostgreSQL's is NOT NULL.
                let notNull = info.int(2) != 0 || info.int(3) > 0
                liteColumns[t, default: []].append("\(info.string(0)) \(type) \(notNull ? "not null" : "null")")
                if info.int(3) > 0 { keys.append((info.int(3), info.string(0))) }
            }
            liteKeys[t] = keys.sorted { $0.0 < $1.0 }.map(\.1)
        }

        var pgColumns: [String: [String]] = [:], pgKeys: [String: [String]] = [:]
        let columns = try pg.prepare("""
            SELECT c.table_name, c.column_name, c.data_type, c.is_nullable FROM information_schema.columns c
            JOIN pg_class k ON k.relname = c.table_name AND NOT k.relispartition
            WHERE c.table_schema = 'public' ORDER BY c.table_name, c.ordinal_position
            """)
        while try columns.step() {
            pgColumns[columns.string(0), default: []].append(
                "\(columns.string(1)) \(columns.string(2)) \(columns.string(3) == "NO" ? "not null" : "null")")
        }
        let keys = try pg.prepare("""
            SELECT t.relname, a.attname FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
            JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY (i.indkey)
            JOIN pg_namespace n ON n.oid = t.relnamespace
            WHERE i.indisprimary AND n.nspname = 'public' AND NOT t.relispartition
            ORDER BY t.relname, array_position(i.indkey::int2[], a.attnum)
            """)
        while try keys.step() { pgKeys[keys.string(0), default: []].append(keys.string(1)) }

        #expect(pgColumns.keys.sorted() == liteColumns.keys.sorted())
        for t in names {
            #expect(pgColumns[t] == liteColumns[t], "table \(t)")
            #expect(pgKeys[t] ?? [] == liteKeys[t] ?? [], "primary key of \(t)")
            if let key = PostgresSchema.conflictKeys[t] { #expect(key == liteKeys[t], "conflict key of \(t)") }
        }
        // Every table an INSERT OR REPLACE may name has its conflict key.
        #expect(Set(PostgresSchema.conflictKeys.keys).isSubset(of: Set(names)))
    }

    @Test @LoopActor func telemetryLandsInADayPartitionAndReadsAcrossMidnight() throws {
        let store = try StoreBackends.store(.postgres, "partitions")
        let writer = try StoreWriter(store: store)
        var b = StoreBatch()
        b.run = 1
        // 23:59:59 on 16 July and 00:00:00, 00:00:01 on 17 July (UTC); 20,000 more on the 17th (several chunks).
        let edge = Self.day
        b.samples = [Sample(device: 1, point: 5, timeMs: edge - 1000, value: 1, quality: .good),
                     Sample(device: 1, point: 5, timeMs: edge, value: 2, quality: .good),
                     Sample(device: 1, point: 5, timeMs: edge + 1000, value: 3, quality: .good)]
        for k in 0..<20_000 {
            let device = UInt32(2 + k % 100), t: Int64 = edge + 60_000 + Int64(k / 100) * 1000
            b.samples.append(Sample(device: device, point: 5, timeMs: t, value: Double(k), quality: .good))
        }
        writer.write(b)
        #expect(writer.flush())
        #expect(writer.failedBatches == 0, "\(writer.lastFailureMessage ?? "")")
        #expect(writer.committedSamples == 20_003)
        let pg = try PostgresDatabase(url: store.url!)
        let parts = try pg.prepare("""
            SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
            WHERE p.relname = 'telemetry' ORDER BY 1
            """)
        var names: [String] = []
        while try parts.step() { names.append(parts.string(0)) }
        #expect(names == ["telemetry_20220716", "telemetry_20220717"])
        #expect(try pg.scalar("SELECT COUNT(*) FROM telemetry_20220716") == 1)
        #expect(try pg.scalar("SELECT COUNT(*) FROM telemetry_20220717") == 20_002)
        let r = try StoreReader(store: store)
        let across = try r.telemetry(device: 1, point: 5, run: 1, fromMs: edge - 2000, toMs: edge + 2000, limit: 10)
        #expect(across.map(\.value) == [1, 2, 3])
        #expect(try r.telemetry(device: 57, point: 5, run: 1, fromMs: edge, toMs: edge + 86_400_000, limit: 1000).count == 200)
        writer.close()
    }

    @Test @LoopActor func aBatchCaughtByALostConnectionIsHeldAndCommittedOnReconnect() throws {
        let store = try StoreBackends.store(.postgres, "reconnect")
        let writer = try StoreWriter(store: store)
        var first = StoreBatch()
        first.run = 1
        first.samples = [Sample(device: 1, point: 5, timeMs: Self.day, value: 1, quality: .good)]
        writer.write(first)
        #expect(writer.flush())
        // Cut the writer's connection from the server's side, as a restart does.
        let admin = try PostgresDatabase(url: store.url!)
        let cut = try admin.prepare("""
            SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity
            WHERE application_name IN ('mantad-writer', 'mantad-telemetry') AND datname = current_database()
              AND pid <> pg_backend_pid()
            """)
        // Both lanes' connections: the records' and the telemetry's.
        #expect(try cut.step() && cut.int(0) == 2)
        var second = StoreBatch()
        second.run = 1
        second.samples = [Sample(device: 1, point: 5, timeMs: Self.day + 1000, value: 2, quality: .good)]
        second.events = [EventRow(tMs: Self.day, severity: "info", source: "t", kind: "k", message: "after the cut")]
        writer.write(second)
        #expect(writer.flush())
        #expect(writer.failedBatches == 0, "\(writer.lastFailureMessage ?? "")")
        #expect(writer.committedSamples == 2)
        #expect(writer.disconnectedSinceMs == nil)
        let r = try StoreReader(store: store)
        #expect(try r.telemetry(device: 1, point: 5, run: 1, fromMs: 0, toMs: Self.day + 10_000, limit: 10).map(\.value) == [1, 2])
        #expect(try r.events(run: 1, prefixes: [], source: nil, fromMs: 0, toMs: Self.day + 1, limit: 10).map(\.message) == ["after the cut"])
        writer.close()
    }

    /// Records and telemetry commit on lanes of their own: a record's waiter
    /// hears at its own commit, the batch's waiters once both are in.
    @Test @LoopActor func recordsAndTelemetryCommitApartAndTheBatchsWaitersHearOnceBothAreIn() throws {
        let store = try StoreBackends.store(.postgres, "lanes")
        let writer = try StoreWriter(store: store)
        let heard = Mutex<[String]>([])
        var b = StoreBatch()
        b.run = 1
        b.samples = (0..<50_000).map { Sample(device: UInt32($0 % 500), point: 5, timeMs: Self.day + Int64($0 / 500) * 1000,
                                              value: 1, quality: .good) }
        b.events = [EventRow(tMs: Self.day, severity: "info", source: "t", kind: "k", message: "audit-like")]
        b.onRecordsCommit = [{ e in heard.withLock { $0.append("records \(e == nil)") } }]
        b.onCommit = [{ e in heard.withLock { $0.append("all \(e == nil)") } }]
        writer.write(b)
        #expect(writer.flush())
        #expect(heard.withLock { $0 } == ["records true", "all true"])
        #expect(writer.committedSamples == 50_000)
        writer.close()
    }
}

/// The rewriting of the store's SQL for PostgreSQL, which needs no server.
@Suite struct PostgresSQLRewrite {
    @Test func parametersAreNumberedAndQuotedTextIsLeftAlone() {
        #expect(PostgresSQL.parameters("SELECT a FROM t WHERE b = ? AND c = ? LIMIT ?") == "SELECT a FROM t WHERE b = $1 AND c = $2 LIMIT $3")
        #expect(PostgresSQL.parameters("WHERE (CAST(?1 AS TEXT) IS NULL OR v = ?1) AND x > ?12")
            == "WHERE (CAST($1 AS TEXT) IS NULL OR v = $1) AND x > $12")
        #expect(PostgresSQL.parameters("SELECT '?', \"a?b\", ? FROM t") == "SELECT '?', \"a?b\", $1 FROM t")
        #expect(PostgresSQL.parameters("WHERE kind LIKE ? || '%'") == "WHERE kind LIKE $1 || '%'")
    }

    @Test func insertOrReplaceBecomesAnUpsertOnThePrimaryKey() throws {
        #expect(try PostgresSQL.translate("INSERT OR REPLACE INTO edge_sequences (edge, seq, updated_ms) VALUES (?, ?, ?)")
            == "INSERT INTO edge_sequences (edge, seq, updated_ms) VALUES ($1, $2, $3) ON CONFLICT (edge) DO UPDATE SET seq = EXCLUDED.seq, updated_ms = EXCLUDED.updated_ms")
        #expect(try PostgresSQL.translate("""
            INSERT OR REPLACE INTO prices (region, interval_end_ms, rrp)
                VALUES (?, ?, ?)
            """).hasSuffix("ON CONFLICT (region, interval_end_ms) DO UPDATE SET rrp = EXCLUDED.rrp"))
        #expect(try PostgresSQL.translate("INSERT INTO audit_log (t_ms) VALUES (?)") == "INSERT INTO audit_log (t_ms) VALUES ($1)")
        #expect(throws: StoreError.self) { try PostgresSQL.translate("INSERT OR REPLACE INTO nowhere (a) VALUES (?)") }
    }

    @Test func aURLsPasswordIsNeverShown() {
        #expect(PostgresURL.redacted("postgresql://manta:s3cret@db:5432/fleet") == "postgresql://manta:***@db:5432/fleet")
        #expect(PostgresURL.redacted("postgresql://manta@db/fleet") == "postgresql://manta@db/fleet")
        #expect(PostgresSchema.partitionName(day: PostgresSchema.day(ofMs: 1_658_016_000_000)) == "telemetry_20220717")
        #expect(PostgresSchema.day(ofMs: -1) == -1 && PostgresSchema.day(ofMs: .min) < 0 && PostgresSchema.day(ofMs: .max) > 0)
        #expect(PostgresSchema.partition(day: PostgresSchema.day(ofMs: .max)).hasSuffix("TO (MAXVALUE)"))
    }
}
