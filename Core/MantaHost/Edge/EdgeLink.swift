import MantaIO
import MantaJSON

/// What a control host knows of one edge.
@LoopActor
final class EdgeLink {
    enum State: String { case unknown, online, offline }

    struct Counters {
        /// Batches and samples taken in.
        var batches = 0
        var samples = 0
        /// Batches dropped as repeats (already taken), or out of order (sent again later).
        var duplicates = 0
        var gaps = 0
        /// Batches the edge dropped before this host had them (its outbox overflowed).
        var lostBatches = 0
    }

    let id: String
    var state = State.unknown
    var reason = ""
    var sinceWallMs = WallClock.nowMs()
    var lastSeenWallMs: Int64 = 0
    /// The edge's device number -> (driver instance index, device index) here.
    var devices: [UInt32: (instance: Int, index: UInt32)] = [:]
    var deviceCount = 0
    /// The last devices message enrolled (hashed), so that a repeat is not enrolled again.
    var devicesDigest: Int?
    /// Its drivers here, by the edge's instance name.
    var drivers: [String: EdgeDriver] = [:]
    /// The last batch taken in, and the last one committed here (and acknowledged).
    var accepted: Int64 = 0
    /// The last batch whose samples are all ingested (in the store's batch).
    var ingested: Int64 = 0
    var committed: Int64 = 0
    var askResend = false
    var health: JSONObject?
    var counters = Counters()

    init(id: String) { self.id = id }

    func json(nowWallMs: Int64) -> JSON {
        .object(JSONObject([
            ("id", .string(id)), ("state", .string(state.rawValue)), ("reason", .string(reason)),
            ("devices", .int(Int64(deviceCount))),
            // When the edge was last heard (wall clock), and how long ago.
            ("last_seen_ms", lastSeenWallMs > 0 ? .int(lastSeenWallMs) : .null),
            ("silent_ms", lastSeenWallMs > 0 ? .int(nowWallMs - lastSeenWallMs) : .null),
            ("accepted_seq", .int(accepted)), ("committed_seq", .int(committed)),
            ("batches", .int(Int64(counters.batches))), ("samples", .int(Int64(counters.samples))),
            ("duplicates", .int(Int64(counters.duplicates))), ("gaps", .int(Int64(counters.gaps))),
            ("lost_batches", .int(Int64(counters.lostBatches))),
            ("edge_outbox_batches", health?["outbox_batches"] ?? .null),
        ]))
    }
}
