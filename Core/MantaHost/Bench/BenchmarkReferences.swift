import MantaIO
import MantaModel

/// The references the benchmarks compare against, run in the same process
/// on the same data.
@_spi(Benchmarks)
public enum BenchmarkReferences {
    /// A no-op with the ABI's calling convention, reached through a global
    /// that is only known at run time, so the call stays an indirect call.
    nonisolated(unsafe) public static var hostNoop: @convention(c) (OpaquePointer?) -> Void = { _ in }

    /// Seconds to insert `samples` into a fresh database with the store's
    /// schema through one prepared statement in one transaction: SQLite
    /// with nothing of Manta around it.
    public static func rawSQLiteInsert(_ samples: [Sample], path: String) throws -> Double {
        let db = try SQLiteDatabase(path: path)
        try db.exec("PRAGMA journal_mode=WAL")
        try db.exec("PRAGMA synchronous=FULL")
        try Migrations.apply(to: db)
        try db.exec("PRAGMA cache_size=-65536")
        let insert = try db.prepare("INSERT OR REPLACE INTO telemetry (device, point, t_ms, value, quality) VALUES (?, ?, ?, ?, ?)")
        let start = WallClock.monotonicNs()
        try db.exec("BEGIN")
        for s in samples {
            insert.bind(1, Int64(s.device)); insert.bind(2, Int64(s.point)); insert.bind(3, s.timeMs)
            insert.bind(4, s.value); insert.bind(5, Int64(s.quality.rawValue))
            try insert.run()
        }
        try db.exec("COMMIT")
        return Double(WallClock.monotonicNs() - start) / 1e9
    }

    /// Seconds for the model alone to check and file `samples` (catalog
    /// check and latest-value update, no ABI, no queue, no loop).
    public static func modelOnly(_ samples: [Sample], catalog: PointCatalog, devices: [DeviceDescriptor]) -> Double {
        var latest = LatestValues()
        let start = WallClock.monotonicNs()
        for s in samples {
            let d = devices[Int(s.device) % devices.count]
            if case .accept(let q, _) = catalog.check(point: s.point, value: s.value, quality: s.quality, device: d) {
                latest.update(Sample(device: s.device, point: s.point, timeMs: s.timeMs, value: s.value, quality: q))
            }
        }
        precondition(latest.count > 0)
        return Double(WallClock.monotonicNs() - start) / 1e9
    }
}
