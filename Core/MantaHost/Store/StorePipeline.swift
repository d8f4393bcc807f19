import MantaIO
import MantaModel

/// Gathers the loop's writes into one batch and hands it to the writer every
/// commit interval, or at once when it is large or someone waits on it.
///
/// Everything the host stores passes through here: telemetry ingest adds
/// samples, the dispatch cycle intervals and commands, the RPC layer audit
/// rows. It only ever receives; it never reaches back into its producers.
@LoopActor
final class StorePipeline {
    let writer: StoreWriter
    private var batch = StoreBatch()
    private let commitIntervalMs: Int64
    private let maxSamples: Int
    private var timer: LoopTimer?
    /// The run every row of this host belongs to.
    let run: Int64
    /// Called with each batch just before it is handed to the writer, to add
    /// rows that must commit with it (an edge's outbox batch of its samples).
    var beforeFlush: ((inout StoreBatch) -> Void)?

    init(writer: StoreWriter, run: Int64, commitIntervalMs: Int64, maxSamples: Int) {
        self.writer = writer
        self.run = run
        batch.run = run
        self.commitIntervalMs = commitIntervalMs
        self.maxSamples = maxSamples
    }

    /// Starts the commit timer.
    func start() {
        let t = LoopTimer()
        t.schedule(afterMs: UInt64(commitIntervalMs), repeatMs: UInt64(commitIntervalMs)) { [unowned self] in flush() }
        timer = t
    }

    /// Adds rows to the current batch.
    func add(_ fill: (inout StoreBatch) -> Void) {
        fill(&batch)
    }

    /// Adds validated samples; flushes early when the batch has grown large.
    func addSamples(_ samples: [Sample]) {
        batch.samples += samples
        if batch.samples.count >= maxSamples { flush() }
    }

    /// Samples waiting for the next flush.
    var pendingSamples: Int { batch.samples.count }

    /// What a flush's caller waits for.
    enum Wait {
        /// Everything handed over so far.
        case all
        /// Every record handed over so far (not the samples): what a state
        /// change's answer waits for (its audit row, the state it changed).
        case records
    }

    /// Hands the current batch to the writer. `done` runs on the loop once
    /// what `waitFor` names is committed (with the error, if it failed).
    func flush(waitFor: Wait = .all, done: (@LoopActor @Sendable (StoreError?) -> Void)? = nil) {
        beforeFlush?(&batch)
        if let done {
            let call: @Sendable (StoreError?) -> Void = { error in EventLoop.shared.execute { done(error) } }
            switch waitFor {
            case .all: batch.onCommit.append(call)
            case .records: batch.onRecordsCommit.append(call)
            }
        }
        let full = batch
        batch = StoreBatch()
        batch.run = run
        writer.write(full)
    }

    /// Stops the timer and hands over what is left.
    func close() {
        timer?.close()
        timer = nil
        flush()
    }
}
