import MantaIO

/// What edge and control hosts keep in their stores (migration 13).
///
/// On an edge: `edge_outbox` holds each committed telemetry batch, as the
/// payload it is published with, until the control host acknowledges it;
/// `edge_sequences` holds the edge's own last batch number, so numbering
/// goes on across restarts. On a control host: `edge_sequences` holds, per
/// edge, the last batch whose samples are committed here.
public struct EdgeRows: Sendable {
    var outbox: [(seq: Int64, samples: Int, payload: String)] = []
    /// Outbox batches up to this number are done with (acknowledged or dropped).
    var outboxDoneThrough: Int64?
    /// Last batch number by edge.
    var sequences: [(edge: String, seq: Int64)] = []

    var isEmpty: Bool { outbox.isEmpty && outboxDoneThrough == nil && sequences.isEmpty }
    var count: Int { outbox.count + (outboxDoneThrough == nil ? 0 : 1) + sequences.count }
}

enum EdgeSchema {
    static let sql = """
        -- An edge's telemetry batches committed and not yet acknowledged by
        -- its control host, as published (EdgeWire telemetry JSON).
        CREATE TABLE edge_outbox (
            seq         INTEGER PRIMARY KEY,   -- 1, 2, ... per edge, never reused
            samples     INTEGER NOT NULL,
            payload     TEXT NOT NULL,
            t_ms        INTEGER NOT NULL       -- wall clock at commit
        );
        -- The last batch number by edge: an edge's own (numbering survives
        -- restarts), or on a control host the last batch committed here.
        CREATE TABLE edge_sequences (
            edge        TEXT PRIMARY KEY,
            seq         INTEGER NOT NULL,
            updated_ms  INTEGER NOT NULL       -- wall clock
        );
        """
}

/// Writes a batch's edge rows, inside the batch's transaction.
///
/// [store writer thread] Owned by the writer's connection.
final class EdgeWriter {
    private let outbox, done, sequence: any StoreStatement

    init(_ db: any StoreDatabase) throws(StoreError) {
        outbox = try db.prepare("INSERT OR REPLACE INTO edge_outbox (seq, samples, payload, t_ms) VALUES (?, ?, ?, ?)")
        done = try db.prepare("DELETE FROM edge_outbox WHERE seq <= ?")
        sequence = try db.prepare("INSERT OR REPLACE INTO edge_sequences (edge, seq, updated_ms) VALUES (?, ?, ?)")
    }

    func insert(_ e: EdgeRows) throws(StoreError) {
        let now = WallClock.nowMs()
        for o in e.outbox {
            outbox.bind(1, o.seq); outbox.bind(2, o.samples); outbox.bind(3, o.payload); outbox.bind(4, now)
            try outbox.run()
        }
        if let through = e.outboxDoneThrough {
            done.bind(1, through)
            try done.run()
        }
        for s in e.sequences {
            sequence.bind(1, s.edge); sequence.bind(2, s.seq); sequence.bind(3, now)
            try sequence.run()
        }
    }
}

extension StoreReader {
    /// The outbox, oldest first.
    func edgeOutbox() throws(StoreError) -> [(seq: Int64, samples: Int, payload: String)] {
        let s = try db.prepare("SELECT seq, samples, payload FROM edge_outbox ORDER BY seq")
        var out: [(seq: Int64, samples: Int, payload: String)] = []
        while try s.step() { out.append((s.int(0), Int(s.int(1)), s.string(2))) }
        return out
    }

    /// The last batch number by edge.
    func edgeSequences() throws(StoreError) -> [String: Int64] {
        let s = try db.prepare("SELECT edge, seq FROM edge_sequences")
        var out: [String: Int64] = [:]
        while try s.step() { out[s.string(0)] = s.int(1) }
        return out
    }
}
