extension Migrations {
    /// PostgreSQL: an empty database gets the baseline (the schema of
    /// migration 13) in one step; after it, each step's `postgres` SQL.
    /// Everything runs in one transaction under an advisory lock, so two
    /// hosts starting on one empty database do not both make it.
    static func applyPostgres(_ db: any StoreDatabase) throws(StoreError) {
        try db.exec("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version BIGINT PRIMARY KEY, description TEXT NOT NULL, applied_ms BIGINT NOT NULL)
            """)
        try db.exec("BEGIN")
        do throws(StoreError) {
            // Any fixed key: "MANTA" in ASCII.
            try db.exec("SELECT pg_advisory_xact_lock(332795564353)")
            let current = Int(try db.scalar("SELECT COALESCE(MAX(version), 0) FROM schema_migrations") ?? 0)
            guard current <= latest else {
                throw StoreError("\(db.name) has schema version \(current); this Manta knows up to \(latest): use a newer mantad")
            }
            if current == 0 {
                try run(PostgresSchema.baseline, version: PostgresSchema.baselineVersion,
                        description: "baseline: the schema of SQLite migrations 1 to \(PostgresSchema.baselineVersion)", in: db)
            } else if current < PostgresSchema.baselineVersion {
                throw StoreError("\(db.name) has schema version \(current), below PostgreSQL's baseline \(PostgresSchema.baselineVersion): it was not made by mantad")
            }
            for step in steps where step.version > max(current, PostgresSchema.baselineVersion) {
                guard let sql = step.postgres else {
                    throw StoreError("migration \(step.version) (\(step.description)) has no PostgreSQL form")
                }
                try run(sql, version: step.version, description: step.description, in: db)
            }
            try db.exec("COMMIT")
        } catch {
            try? db.exec("ROLLBACK")
            throw error
        }
    }

    private static func run(_ sql: String, version: Int, description: String, in db: any StoreDatabase) throws(StoreError) {
        do throws(StoreError) {
            try db.exec(sql)
            try mark(version, description, in: db)
        } catch {
            throw StoreError("migration \(version) (\(description)) failed: \(error)", connectionLost: error.connectionLost)
        }
    }
}
