import MantaIO
import MantaJSON
import MantaModel
import Synchronization

/// Backtests started through the API. Each runs on a backtest worker (two,
/// so that two run at once on a 2-core host and the loop stays free), and
/// its state, request and result are kept in the store.
@LoopActor
final class BacktestTasks {
    /// A backtest of this run. Loop-bound, except its progress, which its
    /// worker updates through `progress`.
    final class Task {
        let id: Int64
        let request: JSON
        let createdMs: Int64
        /// Tenths of a percent done; written by the worker.
        let progress = Progress()
        var state = "running"
        var summary: JSON?
        var error: String?
        var finishedMs: Int64?

        init(id: Int64, request: JSON, createdMs: Int64) {
            self.id = id
            self.request = request
            self.createdMs = createdMs
        }

        var row: BacktestRow {
            BacktestRow(id: id, createdMs: createdMs, finishedMs: finishedMs, state: state, request: request.serialized(),
                        summary: summary?.serialized(), error: error)
        }
    }

    /// Progress shared between the loop and the worker running a task.
    final class Progress: Sendable {
        private let value = Atomic<Int>(0)
        func store(_ v: Int) { value.store(v, ordering: .relaxed) }
        var permille: Int { value.load(ordering: .relaxed) }
    }

    private let reader: StoreReader
    private let store: StorePipeline
    private let events: EventLog
    private let catalog: PointCatalog
    private let logger: Logger
    private var tasks: [Int64: Task] = [:]
    private var nextID: Int64
    private let workers = [Worker(name: "backtest-1"), Worker(name: "backtest-2")]
    private var turn = 0

    init(reader: StoreReader, store: StorePipeline, events: EventLog, catalog: PointCatalog, logger: Logger)
        throws(StoreError)
    {
        self.reader = reader
        self.store = store
        self.events = events
        self.catalog = catalog
        self.logger = logger
        nextID = try reader.maxBacktestID() + 1
    }

    /// Starts `request`; `params` is what the caller sent, kept with it.
    func start(_ request: BacktestRequest, params: JSON) -> Task {
        let task = Task(id: nextID, request: params, createdMs: WallClock.nowMs())
        nextID += 1
        tasks[task.id] = task
        store.add { $0.backtests.append(task.row) }
        let worker = workers[turn % workers.count]
        turn += 1
        let catalog = self.catalog, logger = self.logger, progress = task.progress, id = task.id
        let specs = params["battery"]?.array?.compactMap(\.string) ?? params["battery"]?.string.map { [$0] } ?? []
        worker.submit {
            // A plugin's code runs in a child process; the engine's in process.
            let result: Result<JSON, BacktestError>
            if IsolatedBacktest.runsPluginCode(request.strategy) {
                result = IsolatedBacktest.run(request, batteries: specs)
            } else {
                result = Result { () throws(BacktestError) in
                    BacktestSummary.json(try BacktestJob.run(request, catalog: catalog, logger: logger) { progress.store(Int($0 * 1000)) },
                                         batteries: request.batteries)
                }
            }
            EventLoop.shared.execute { [self] in
                if let task = tasks[id] { finish(task, result) }
            }
        }
        return task
    }

    private func finish(_ task: Task, _ result: Result<JSON, BacktestError>) {
        task.finishedMs = WallClock.nowMs()
        switch result {
        case .success(let summary):
            task.state = "done"
            task.summary = summary
            task.progress.store(1000)
        case .failure(let e):
            task.state = "failed"
            task.error = e.description
            events.record(.warning, source: "backtest", kind: "backtest.failed", "backtest \(task.id): \(e.description)")
        }
        store.add { $0.backtests.append(task.row) }
    }

    /// A task of this run, or one stored by an earlier run.
    func find(_ id: Int64) throws(RPCError) -> Task? {
        if let t = tasks[id] { return t }
        let row: BacktestRow?
        do { row = try reader.backtest(id) } catch { throw .internalError("\(error)") }
        guard let row else { return nil }
        let t = Task(id: row.id, request: (try? JSON.parse(row.request)) ?? .null, createdMs: row.createdMs)
        // A backtest left "running" by a host that stopped never finished.
        t.state = row.state == "running" ? "failed" : row.state
        t.summary = row.summary.flatMap { try? JSON.parse($0) }
        t.error = row.state == "running" ? "the host stopped before it finished" : row.error
        t.finishedMs = row.finishedMs
        return t
    }

    var all: [Task] { tasks.values.sorted { $0.id < $1.id } }

    func close() { workers.forEach { $0.close() } }
}
