import MantaModel

/// PostgreSQL: multi-row inserts, each a few thousand samples passed as
/// arrays and unnested server-side, into the day's partition (made first
/// when it is new). One statement per chunk, sent in the batch's pipeline.
final class PostgresTelemetryRows: TelemetryRows {
    private let chunk: any StoreStatement
    private let db: any StoreDatabase
    /// Days whose partition this connection has made or found.
    private var days: Set<Int64> = []
    static let chunkSamples = 5000

    init(_ db: any StoreDatabase) throws(StoreError) {
        self.db = db
        chunk = try db.prepare("""
            INSERT INTO telemetry (device, point, t_ms, run, value, quality)
            SELECT d, p, t, $4::bigint, v, q
            FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $5::float8[], $6::bigint[]) AS u (d, p, t, v, q)
            ON CONFLICT (device, point, t_ms, run) DO UPDATE SET value = EXCLUDED.value, quality = EXCLUDED.quality
            """)
    }

    func insert(_ samples: [Sample], run: Int64) throws(StoreError) {
        for day in Set(samples.map { PostgresSchema.day(ofMs: $0.timeMs) }).sorted() where !days.contains(day) {
            try db.exec(PostgresSchema.partition(day: day))
            days.insert(day)
        }
        var start = 0
        while start < samples.count {
            let part = samples[start..<min(start + Self.chunkSamples, samples.count)]
            chunk.bind(1, Self.array(part.lazy.map { String($0.device) }))
            chunk.bind(2, Self.array(part.lazy.map { String($0.point) }))
            chunk.bind(3, Self.array(part.lazy.map { String($0.timeMs) }))
            chunk.bind(4, run)
            // NULL for a value that is not a finite number, as SQLite stores it.
            chunk.bind(5, Self.array(part.lazy.map { $0.value.isFinite ? "\($0.value)" : "NULL" }))
            chunk.bind(6, Self.array(part.lazy.map { String($0.quality.rawValue) }))
            try chunk.run()
            start += part.count
        }
    }

    /// A partition made in a transaction that rolled back is gone again.
    func rolledBack() { days.removeAll() }

    /// An array literal, {1,2,3}.
    private static func array<S: Sequence<String>>(_ items: S) -> String {
        var out = "{"
        var first = true
        for item in items {
            if !first { out += "," }
            out += item
            first = false
        }
        return out + "}"
    }
}
