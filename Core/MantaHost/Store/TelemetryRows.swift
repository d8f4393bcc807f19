import MantaModel

/// How a batch's samples reach the telemetry table: the hot path of the
/// store, so each database gets its fastest form.
protocol TelemetryRows: AnyObject {
    /// [store writer thread] Inserts `samples` (in key order, each key once)
    /// of `run`, inside the batch's transaction; a sample already stored for
    /// the same series, instant and run is replaced.
    func insert(_ samples: [Sample], run: Int64) throws(StoreError)
    /// The transaction that carried the last inserts was rolled back: forget
    /// anything learnt from them.
    func rolledBack()
}

extension TelemetryRows {
    /// The batch's samples in key order, the last of each key only (what a
    /// replacing insert in arrival order would leave).
    static func ordered(_ samples: [Sample]) -> [Sample] {
        // In key order, so that consecutive inserts land on the same B-tree
        // pages: several times faster than arrival order for a large fleet.
        let sorted = samples.enumerated().sorted {
            ($0.element.device, $0.element.point, $0.element.timeMs, $0.offset)
                < ($1.element.device, $1.element.point, $1.element.timeMs, $1.offset)
        }
        var out: [Sample] = []
        out.reserveCapacity(sorted.count)
        for (_, s) in sorted {
            if let last = out.last, last.device == s.device, last.point == s.point, last.timeMs == s.timeMs {
                out[out.count - 1] = s
            } else {
                out.append(s)
            }
        }
        return out
    }
}

/// SQLite: one prepared statement, a row at a time (SQLite runs in-process,
/// so a row costs a function call, not a round trip).
final class SQLiteTelemetryRows: TelemetryRows {
    private let sample: any StoreStatement

    init(_ db: any StoreDatabase) throws(StoreError) {
        sample = try db.prepare("INSERT OR REPLACE INTO telemetry (device, point, t_ms, run, value, quality) VALUES (?, ?, ?, ?, ?, ?)")
    }

    func insert(_ samples: [Sample], run: Int64) throws(StoreError) {
        for s in samples {
            sample.bind(1, Int64(s.device)); sample.bind(2, Int64(s.point)); sample.bind(3, s.timeMs)
            sample.bind(4, run); sample.bind(5, s.value); sample.bind(6, Int64(s.quality.rawValue))
            try sample.run()
        }
    }

    func rolledBack() {}
}
