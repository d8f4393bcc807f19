import Foundation
import MantaJSON
import MantaTestSupport
import Testing
@testable import MantaHost

/// The event log keeps the latest events in a bounded ring, in order, and
/// records every one in the store.
@Suite struct EventRing {
    @Test @LoopActor func theRingKeepsTheLatestInOrderAndStoresEveryEvent() throws {
        let folder = TestPaths.temporaryFolder("events")
        let writer = try StoreWriter(path: "\(folder)/m.db", synchronous: .normal)
        let store = StorePipeline(writer: writer, run: 1, commitIntervalMs: 1000, maxSamples: 1000)
        let events = EventLog(store: store, logger: Logger(level: .error), clock: HostClock(.replay(startMs: 1000, speed: 1)),
                              capacity: 100)
        for i in 1...1000 { events.record(.info, source: "test", kind: "tick", "event \(i)") }
        #expect(events.recent.count == 100)
        #expect(events.recent.first?.message == "event 901")
        #expect(events.recent.last?.message == "event 1000")
        #expect(events.recent.map(\.id) == Array(901...1000))
        store.close()
        writer.close()
        let stored = try SQLiteDatabase(path: "\(folder)/m.db", readOnly: true).scalar("SELECT COUNT(*) FROM events WHERE run = 1")
        #expect(stored == 1000)
    }
}
