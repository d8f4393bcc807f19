/// The audit log of state-changing calls: a row per call, allowed or not,
/// committed before the caller is answered, so an acknowledged change is
/// always on record.
@LoopActor
final class AuditLog {
    private let store: StorePipeline
    private let logger: Logger

    init(store: StorePipeline, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    /// Writes `row` and calls `done` on the loop once it is committed.
    func write(_ row: AuditRow, then done: @escaping @LoopActor @Sendable () -> Void) {
        store.add { $0.audits.append(row) }
        let logger = self.logger
        // The answer waits for the audit row and the state the call changed
        // (records), not for the telemetry of the same batch.
        store.flush(waitFor: .records) { error in
            if let error { logger.error("audit", "audit entry for \(row.method) not stored: \(error)") }
            done()
        }
    }
}
