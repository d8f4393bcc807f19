import MantaIO
import MantaModel

/// Gathers the loop's writes into one batch and hands it to the writer every
/// commit interval, or at once when it is large or someone waits on it.
///
/// [loop] Confined to the loop thread.
final class StorePipeline {
    let writer: StoreWriter
    private var batch = StoreBatch()
    private let timer: LoopTimer
    private let loop: EventLoop
    private let maxSamples: Int
    /// Supplies the samples validated since the last flush.
    var collectSamples: () -> [Sample] = { [] }
    /// Samples waiting in the ingest path, to decide on an early flush.
    var pendingSamples: () -> Int = { 0 }

    init(writer: StoreWriter, loop: EventLoop, commitIntervalMs: Int64, maxSamples: Int) {
        self.writer = writer
        self.loop = loop
        self.maxSamples = maxSamples
        timer = LoopTimer(loop: loop)
        timer.schedule(afterMs: UInt64(commitIntervalMs), repeatMs: UInt64(commitIntervalMs)) { [unowned self] in
            flush()
        }
    }

    /// Adds rows to the current batch.
    func add(_ fill: (inout StoreBatch) -> Void) {
        fill(&batch)
    }

    /// Called after ingest: flushes early when the batch has grown large.
    func samplesArrived() {
        if pendingSamples() >= maxSamples { flush() }
    }

    /// Hands the current batch to the writer. `done` runs on the loop once
    /// it is committed (with the error, if the commit failed).
    func flush(done: ((StoreError?) -> Void)? = nil) {
        batch.samples = collectSamples()
        if let done {
            let loop = self.loop
            let callback = UncheckedSendable(done)
            batch.onCommit.append { error in loop.execute { callback.value(error) } }
        }
        let full = batch
        batch = StoreBatch()
        writer.write(full)
    }

    /// Stops the timer and hands over what is left.
    func close() {
        timer.close()
        flush()
    }
}
