import MantaJSON

extension StorePipeline {
    /// Answers with `body()` once everything queued so far is committed:
    /// what a method then reads from the store is all the host has
    /// acknowledged (settlements, bids, events of a moment ago included).
    func answerAfterCommit(_ respond: @escaping RPCRespond, _ body: @escaping @LoopActor () throws(RPCError) -> JSON) {
        flush { error in
            if let error { return respond(.failure(.internalError("store: \(error)"))) }
            do throws(RPCError) { respond(.success(try body())) } catch { respond(.failure(error)) }
        }
    }
}

/// A store read inside a method: its failure is the method's internal error.
func stored<T>(_ read: () throws(StoreError) -> T) throws(RPCError) -> T {
    do { return try read() } catch { throw .internalError("store: \(error)") }
}
