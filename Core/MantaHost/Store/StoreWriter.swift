import MantaABI
import MantaIO
import MantaModel
import Glibc
import Synchronization

/// Commits batches to the store on threads of its own.
///
/// The loop never waits for the disk: it hands over a batch and carries on.
/// On SQLite a batch is one transaction, so it lands whole or not at all; in
/// WAL mode with synchronous=FULL a committed batch survives a crash of the
/// process and of the machine (NORMAL: of the process only). "Acknowledged"
/// in Manta means committed: `committedSamples`, a batch's `onCommit` and
/// `onRecordsCommit` say when.
///
/// On PostgreSQL there are two lanes, each a thread and a connection: a
/// batch's telemetry (its samples with the edge batch numbers that go with
/// them) commits in one transaction on the telemetry lane, and the rest of
/// it (records: decisions, commands, audit rows, ...) in another on the
/// records lane, so a state change's answer does not wait behind a burst of
/// samples. Each lane keeps its batches in order; samples have no foreign
/// keys, so nothing in one lane depends on the other.
public final class StoreWriter: Sendable {
    /// One writer thread and its connection.
    private struct Lane: Sendable {
        let worker: Worker
        let conn: StoreConnection
    }

    private let records: Lane
    private let telemetry: Lane?
    private let committed = Atomic<Int64>(0)
    private let lastCommit = Atomic<Int64>(0)
    private let queued = Atomic<Int64>(0)
    private let failures = Atomic<Int64>(0)
    private let lastFailure = Mutex<String?>(nil)
    private let logger: Logger?
    /// The database: its file, or its server's URL without the password.
    public let path: String
    public let backend: HostConfig.Store.Backend
    private let closing = Atomic<Bool>(false)
    private let lostSince = Atomic<Int64>(0)
    private let lanesHolding = Atomic<Int>(0)

    /// Opens the store `store` names and brings its schema up to date:
    /// SQLite (creating the file if needed, mode 0600) in WAL mode with
    /// `store.synchronous`, or a PostgreSQL server (`store.url`). A failed
    /// commit is logged as an error through `logger` and counted in
    /// `failedBatches`; a commit that failed because the server went away
    /// is tried again until it lands (`connected` is false meanwhile).
    public init(store: HostConfig.Store, logger: Logger? = nil) throws(StoreError) {
        let db = try Self.open(store)
        records = Lane(worker: Worker(name: "store-writer"), conn: try StoreConnection(db))
        telemetry = store.backend == .postgres
            ? Lane(worker: Worker(name: "store-telemetry"),
                   conn: try StoreConnection(PostgresDatabase(url: store.url ?? "", application: "mantad-telemetry")))
            : nil
        self.path = db.name
        backend = store.backend
        self.logger = logger
    }

    /// Opens (creating if needed, mode 0600) the SQLite database at `path`.
    public convenience init(path: String, synchronous: HostConfig.Store.Synchronous, logger: Logger? = nil) throws(StoreError) {
        // The batching settings are the pipeline's, not the writer's.
        try self.init(store: HostConfig.Store(path: path, commitIntervalMs: 1000, synchronous: synchronous, maxBatchSamples: 20_000),
                      logger: logger)
    }

    private static func open(_ store: HostConfig.Store) throws(StoreError) -> any StoreDatabase {
        switch store.backend {
        case .postgres:
            let db = try PostgresDatabase(url: store.url ?? "")
            try Migrations.apply(to: db)
            return db
        case .sqlite:
            let db = try SQLiteDatabase(path: store.path)
            try db.exec("PRAGMA journal_mode=WAL")
            switch store.synchronous {
            case .full: try db.exec("PRAGMA synchronous=FULL")
            case .normal: try db.exec("PRAGMA synchronous=NORMAL")
            }
            // 64 MiB of page cache keeps the telemetry B-tree's inner pages hot.
            try db.exec("PRAGMA cache_size=-65536")
            // Migrations rebuild tables, which SQLite's procedure does with
            // foreign keys off; they are on for everything after.
            try Migrations.apply(to: db)
            try db.exec("PRAGMA foreign_keys=ON")
            return db
        }
    }

    /// Samples committed since the host started.
    public var committedSamples: Int64 { committed.load(ordering: .relaxed) }
    /// Samples handed over but not yet committed.
    public var pendingSamples: Int64 { queued.load(ordering: .relaxed) }
    /// Wall-clock ms of the last commit, 0 before the first.
    public var lastCommitMs: Int64 { lastCommit.load(ordering: .relaxed) }
    public var failedBatches: Int64 { failures.load(ordering: .relaxed) }
    /// Why the last failed batch failed, if one did.
    public var lastFailureMessage: String? { lastFailure.withLock { $0 } }
    /// Wall-clock ms since the database server has been unreachable, with
    /// a batch waiting to be tried again; nil while connected.
    public var disconnectedSinceMs: Int64? {
        let t = lostSince.load(ordering: .relaxed)
        return t == 0 ? nil : t
    }

    /// [any] Queues `batch` for commit.
    public func write(_ batch: StoreBatch) {
        guard !batch.isEmpty else { return }
        queued.add(Int64(batch.samples.count), ordering: .relaxed)
        guard let telemetry, !(batch.samples.isEmpty && batch.edge.isEmpty) else {
            return submit(batch, to: records)
        }
        var (samples, rest) = batch.split()
        // The batch's own waiters hear once both parts are in, with the first failure.
        let both = Join(2, batch.onCommit)
        samples.onCommit = [both.arrive]
        rest.onCommit = [both.arrive]
        submit(samples, to: telemetry)
        submit(rest, to: records)
    }

    private func submit(_ batch: StoreBatch, to lane: Lane) {
        lane.worker.submit { [self] in
            let error = commitRetrying(batch, on: lane.conn)
            queued.subtract(Int64(batch.samples.count), ordering: .relaxed)
            if error == nil {
                committed.add(Int64(batch.samples.count), ordering: .relaxed)
                lastCommit.store(WallClock.nowMs(), ordering: .relaxed)
            } else if let error {
                failures.add(1, ordering: .relaxed)
                lastFailure.withLock { $0 = error.message }
                logger?.error("store", "a batch of \(batch.rowCount) rows was NOT stored (rolled back): \(error.message)")
            }
            for done in batch.onRecordsCommit { done(error) }
            for done in batch.onCommit { done(error) }
        }
    }

    /// Calls `waiters` once `count` parts have arrived, with the first error.
    private final class Join: Sendable {
        private let left: Atomic<Int>
        private let firstError = Mutex<StoreError?>(nil)
        private let waiters: [@Sendable (StoreError?) -> Void]

        init(_ count: Int, _ waiters: [@Sendable (StoreError?) -> Void]) {
            left = Atomic(count)
            self.waiters = waiters
        }

        @Sendable func arrive(_ error: StoreError?) {
            if let error { firstError.withLock { if $0 == nil { $0 = error } } }
            guard left.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 else { return }
            let e = firstError.withLock { $0 }
            for w in waiters { w(e) }
        }
    }

    /// [store writer thread] Commits `batch`; while the server is away,
    /// keeps it and tries again (0.1 s, doubling to 5 s) until it lands or
    /// the writer closes. Later batches wait behind it, in order.
    private func commitRetrying(_ batch: StoreBatch, on conn: StoreConnection) -> StoreError? {
        var error = conn.commit(batch)
        var waitMs: UInt32 = 100
        var holding = false
        while let e = error, e.connectionLost, !closing.load(ordering: .relaxed) {
            if !holding {
                holding = true
                // The store is unreachable from the first lane that finds it
                // so until the last one is through again.
                if lanesHolding.add(1, ordering: .relaxed).newValue == 1 { lostSince.store(WallClock.nowMs(), ordering: .relaxed) }
                logger?.warn("store", "\(path) is unreachable (\(e.message)); holding \(batch.rowCount) rows and trying again")
            }
            usleep(waitMs * 1000)
            waitMs = min(waitMs * 2, 5000)
            error = conn.commit(batch)
        }
        if holding {
            if lanesHolding.subtract(1, ordering: .relaxed).newValue == 0 { lostSince.store(0, ordering: .relaxed) }
            if error == nil { logger?.info("store", "\(path) is reachable again; the rows held were committed") }
        }
        return error
    }

    /// [any, not the loop] Waits until everything queued so far is
    /// committed, or `timeoutMs` passes. Returns whether it all landed.
    @discardableResult
    public func flush(timeoutMs: Int64 = 30_000) -> Bool {
        lanes.allSatisfy { $0.worker.sync(timeoutMs: timeoutMs) { true } ?? false }
    }

    /// Flushes, checkpoints SQLite's WAL into the main file, and ends the threads.
    public func close() {
        closing.store(true, ordering: .relaxed)
        for lane in lanes {
            _ = lane.worker.sync(timeoutMs: 30_000) { lane.conn.checkpoint() }
            lane.worker.close()
        }
    }

    private var lanes: [Lane] { [records] + (telemetry.map { [$0] } ?? []) }
}
