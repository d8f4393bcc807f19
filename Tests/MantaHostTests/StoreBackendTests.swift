import MantaABI
import MantaJSON
import MantaModel
import MantaTestSupport
import Testing
@testable import MantaHost

/// The store's promise, the same for SQLite and PostgreSQL: each test runs
/// on every backend `TestStore.available` names (PostgreSQL under `make
/// test`, which starts a server of its own), through the writer and the
/// reader the host uses.
@Suite struct StoreBackends {
    static let day: Int64 = 1_658_016_000_000  // 2022-07-17 00:00 UTC

    static func store(_ backend: TestStore, _ name: String) throws -> HostConfig.Store {
        let folder = TestPaths.temporaryFolder(name)
        let json: JSON = ["store": try backend.json(name: name, folder: folder)]
        return try HostConfig(json: json, path: "\(folder)/manta.json").store
    }

    static func battery(_ number: UInt32, site: String) -> DeviceDescriptor {
        DeviceDescriptor(number: number, instance: "homes", index: number - 1, key: "b\(number)", kind: .battery, site: site,
                         manufacturer: "Sim", model: "B-5", serial: "S\(number)",
                         ratings: DeviceRatings(ratedPowerW: 5000, maxChargeW: 5000, maxDischargeW: 5000, capacityWh: 13_500,
                                                socMin: 0.1, socMax: 0.95, roundTripEfficiency: .nan),
                         controllable: true, readOnly: false)
    }

    /// One batch holding a row of every kind the host writes.
    static func everything() -> StoreBatch {
        var b = StoreBatch()
        b.run = 1
        b.runRow = RunRow(id: 1, startedMs: day, clock: "replay", replayStartMs: day, speed: 300, config: "{}")
        b.points = [PointDefinition(id: 3, name: "battery.soc", unit: "1"), PointDefinition(id: 5, name: "ac.power", unit: "W")]
        b.devices = [battery(1, site: "north"), battery(2, site: "south")]
        b.devicesSeenMs = day
        b.plugins = [PluginRow(instance: "homes", pluginID: "manta.sim", version: "1.0.0", kind: "driver", path: "/x.so",
                               state: "running", detail: "", loadedMs: day)]
        b.samples = [
            Sample(device: 1, point: 5, timeMs: day + 1000, value: 1500, quality: .good),
            Sample(device: 1, point: 5, timeMs: day + 2000, value: -2500.25, quality: .estimated),
            Sample(device: 1, point: 5, timeMs: day + 3000, value: .nan, quality: .invalid),
            // Sent twice in one batch: the later one stands.
            Sample(device: 1, point: 5, timeMs: day + 1000, value: 1600, quality: .good),
            Sample(device: 2, point: 3, timeMs: day + 1000, value: 0.5, quality: .good),
        ]
        b.prices = [PriceRow(price: Price(intervalEndMs: day + 300_000, region: "VIC1", rrp: -38.5, demandMW: 5123,
                                          fcas: [1, 2, 3, 4, 5, .nan, 7, 8, 9, 10]), source: "nem")]
        b.intervals = [DispatchIntervalRow(id: 10, vpp: "vic", intervalEndMs: day + 300_000, price: -38.5, strategy: "t",
                                           status: .ok, reason: "cheap", decidedMs: day + 1, decideMicros: 42, socEstimated: 1)]
        b.commands = [CommandRow(id: 100, intervalID: 10, device: 1, requestedW: -5000, targetW: -4000, note: "limited",
                                 validFromMs: day, validUntilMs: day + 300_000),
                      CommandRow(id: 101, intervalID: 10, device: 2, requestedW: 3000, targetW: 3000, note: "",
                                 validFromMs: day, validUntilMs: day + 300_000)]
        b.outcomes = [OutcomeRow(commandID: 100, outcome: .clamped, appliedW: -3900, message: "soc", tMs: day + 5)]
        b.timings = [IntervalTimingRow(intervalID: 10, dispatchMicros: 700, appliedMicros: 9000)]
        b.loopChecks = [LoopCheckRow(intervalID: 10, actualW: -1000, deviationW: 0.5, corrected: 1)]
        b.controls = [ControlRow(id: 102, tMs: day + 7, device: 2, mode: .exportLimit, valueW: 0, source: "operator",
                                 validUntilMs: day + 600_000, outcome: nil, appliedW: nil, message: nil)]
        b.audits = [AuditRow(tMs: day, principal: "local", peer: "127.0.0.1:1", method: "devices.control", params: "{}", outcome: "ok")]
        b.events = [EventRow(tMs: day + 2, severity: "warning", source: "vic", kind: "dispatch.deviation", message: "off by 5 W"),
                    EventRow(tMs: day + 3, severity: "info", source: "homes", kind: "plugin.started", message: "up")]
        b.backtests = [BacktestRow(id: 4, createdMs: day, finishedMs: nil, state: "running", request: "{\"a\":1}", summary: nil, error: nil)]
        b.vppDefinitions = [VPPDefinitionRow(id: "new", definition: "{\"id\":\"new\"}", updatedMs: day, principal: "ops")]
        b.importCaps = [("site:north", "{\"limit_w\":5000}"), ("site:south", "{\"limit_w\":1}"), ("site:south", nil)]
        b.envelopes = [("site:north", "[[0,1,2]]")]
        b.tokens = [("ops", "{\"role\":\"operator\"}")]
        b.instructions = [InstructionRow(id: 7, vpp: "vic", targetW: 2000, startMs: day, endMs: day + 600_000, reason: "peak",
                                         principal: "ops", createdMs: day, state: "pending", actualW: nil, deviationW: nil)]
        b.trading.settlements = [0, 1].map { revision in
            SettlementRow(vpp: "vic", intervalEndMs: day + 300_000, revision: revision, region: "VIC1", strategy: "t",
                          rrp: revision == 0 ? -38.5 : 50, firm: true, members: 2, metered: 2, coverage: 1, energyWh: 250,
                          dischargedWh: 300, fcasMW: [0, 0.004, 0, 0, 0, 0, 0, 0, 0, 0], energyAUD: 0.0125,
                          fcasAUD: [0, 0.01, 0, 0, 0, 0, 0, 0, 0, 0], costAUD: 0.006, reason: revision == 0 ? "" : "revised",
                          settledMs: day + 310_000)
        }
        b.trading.devices = [DeviceSettlementRow(vpp: "vic", intervalEndMs: day + 300_000, device: 1, site: "north", energyWh: 125,
                                                 dischargedWh: 150, energyAUD: 0.00625, costAUD: 0.003, networkAUD: 0.001,
                                                 demandAUD: 0, revision: 1)]
        b.trading.bids = [BidRow(id: 3, vpp: "vic", market: "energy", side: "generation", day: "2022-07-17",
                                 bands: Array(repeating: 300, count: 10), source: "operator", principal: "ops", reason: "peak",
                                 rebidOf: nil, submittedMs: day, status: "cleared")]
        b.trading.bidIntervals = [BidIntervalRow(bid: 3, intervalEndMs: day + 300_000, mw: Array(repeating: 0.1, count: 10),
                                                 status: "cleared", price: 310, clearedMW: 0.5, dispatchedMW: nil, revenueAUD: nil,
                                                 message: "", submittedMs: day, clearedMs: day + 1, dispatchedMs: nil,
                                                 settledMs: nil, cancelledMs: nil)]
        b.edge.outbox = [(seq: 1, samples: 5, payload: "{}"), (seq: 2, samples: 1, payload: "{}")]
        b.edge.sequences = [(edge: "north", seq: 9)]
        return b
    }

    @Test(arguments: TestStore.available) @LoopActor
    func aBatchOfEveryKindReadsBackThroughEveryQuery(_ backend: TestStore) throws {
        let store = try Self.store(backend, "every-\(backend)")
        let writer = try StoreWriter(store: store)
        writer.write(Self.everything())
        #expect(writer.flush())
        #expect(writer.failedBatches == 0, "\(writer.lastFailureMessage ?? "")")
        #expect(writer.committedSamples == 5)
        let r = try StoreReader(store: store)
        let day = Self.day

        #expect(try r.knownDevices() == ["homes/b1": 1, "homes/b2": 2])
        #expect(try r.maxRunID() == 1)
        #expect(try r.maxDispatchIDs() == (10, 102))
        let samples = try r.telemetry(device: 1, point: 5, run: nil, fromMs: day, toMs: day + 10_000, limit: 10)
        #expect(samples.map(\.timeMs) == [day + 1000, day + 2000, day + 3000])
        #expect(samples[0].value == 1600)
        #expect(samples[1].value == -2500.25 && samples[1].quality == .estimated)
        #expect(samples[2].value.isNaN && samples[2].quality == .invalid)
        #expect(try r.telemetry(device: 1, point: 5, run: 2, fromMs: day, toMs: day + 10_000, limit: 10).isEmpty)
        #expect(try r.telemetry(device: 1, point: 5, run: 1, fromMs: day + 1000, toMs: day + 2000, limit: 10).count == 1)

        let intervals = try r.dispatchIntervals(run: 1, vpp: nil, fromMs: day, toMs: day + 300_000, limit: 10)
        #expect(intervals.count == 1)
        let i = try #require(intervals.first)
        #expect((i.id, i.vpp, i.price, i.strategy, i.status, i.reason) == (10, "vic", -38.5, "t", "ok", "cheap"))
        #expect((i.dispatchMicros, i.appliedMicros, i.socEstimated) == (700, 9000, 1))
        #expect((i.commands, i.targetW, i.charging, i.discharging, i.appliedW, i.outcomes) == (2, -1000, 1, 1, -3900, 1))
        #expect(try r.dispatchIntervals(run: 1, vpp: "other", fromMs: day, toMs: day + 300_000, limit: 10).isEmpty)
        let commands = try r.commands(interval: 10)
        #expect(commands.map(\.id) == [100, 101])
        #expect(commands[0].outcome == "clamped" && commands[0].appliedW == -3900 && commands[0].note == "limited")
        #expect(commands[1].outcome == nil && commands[1].appliedW.isNaN)

        let events = try r.events(run: 1, prefixes: ["dispatch."], source: nil, fromMs: 0, toMs: day + 10, limit: 10)
        #expect(events.map(\.message) == ["off by 5 W"])
        #expect(try r.events(run: 1, prefixes: [], source: "homes", fromMs: 0, toMs: day + 10, limit: 10).map(\.kind) == ["plugin.started"])

        let settled = try r.settlements(run: 1, vpp: nil, fromMs: day, toMs: day + 300_000, limit: 10)
        #expect(settled.count == 1)
        #expect(settled.first?.revision == 1 && settled.first?.rrp == 50 && settled.first?.reason == "revised")
        #expect(settled.first?.fcasMW == [0, 0.004, 0, 0, 0, 0, 0, 0, 0, 0])
        #expect(try r.settlementRevisions(run: 1, vpp: "vic", intervalEndMs: day + 300_000).map(\.revision) == [0, 1])
        let byDevice = try r.settlementByResource(run: 1, vpp: "vic", bySite: false, fromMs: day, toMs: day + 300_000, limit: 10)
        #expect(byDevice.map(\.device) == [1] && byDevice.first?.networkAUD == 0.001)

        let trades = try r.trades(vpp: "vic", day: nil, market: nil, status: nil, limit: 10)
        #expect(trades.count == 1)
        #expect(trades.first?.byStatus == ["cleared": 1] && trades.first?.bid.bands.count == 10)
        #expect(try r.trades(vpp: nil, day: "2022-07-18", market: nil, status: nil, limit: 10).isEmpty)
        #expect(try r.bidIntervals(3).first?.clearedMW == 0.5)
        #expect(try r.openBids().map(\.bid.id) == [3])
        #expect(try r.maxBidID() == 3)

        #expect(try r.vppDefinitions().map(\.id) == ["new"])
        #expect(try r.importCaps().map(\.target) == ["site:north"])
        #expect(try r.operatingEnvelopes().map(\.definition) == ["[[0,1,2]]"])
        #expect(try r.apiTokens().map(\.target) == ["ops"])
        #expect(try r.maxInstructionID() == 7)
        #expect(try r.maxBacktestID() == 4)
        #expect(try r.backtest(4)?.state == "running")
        #expect(try r.edgeOutbox().map(\.seq) == [1, 2])
        #expect(try r.edgeSequences() == ["north": 9])
        writer.close()
    }

    @Test(arguments: TestStore.available) @LoopActor
    func laterWritesReplaceAndADoneOutboxEmpties(_ backend: TestStore) throws {
        let store = try Self.store(backend, "replace-\(backend)")
        let writer = try StoreWriter(store: store)
        writer.write(Self.everything())
        var again = StoreBatch()
        again.run = 1
        again.samples = [Sample(device: 1, point: 5, timeMs: Self.day + 2000, value: 42, quality: .good)]
        again.backtests = [BacktestRow(id: 4, createdMs: Self.day, finishedMs: Self.day + 9, state: "done", request: "{}",
                                       summary: "{\"ok\":true}", error: nil)]
        again.controls = [ControlRow(id: 102, tMs: Self.day + 7, device: 2, mode: .exportLimit, valueW: 0, source: "operator",
                                     validUntilMs: Self.day + 600_000, outcome: .applied, appliedW: 0, message: "ok")]
        again.importCaps = [("site:north", nil)]
        again.edge.outboxDoneThrough = 2
        again.edge.sequences = [(edge: "north", seq: 10)]
        writer.write(again)
        #expect(writer.flush())
        #expect(writer.failedBatches == 0, "\(writer.lastFailureMessage ?? "")")
        let r = try StoreReader(store: store)
        let samples = try r.telemetry(device: 1, point: 5, run: 1, fromMs: Self.day, toMs: Self.day + 10_000, limit: 10)
        #expect(samples.map(\.value).filter { !$0.isNaN } == [1600, 42])
        #expect(try r.backtest(4)?.summary == "{\"ok\":true}")
        #expect(try r.importCaps().isEmpty)
        #expect(try r.edgeOutbox().isEmpty)
        #expect(try r.edgeSequences() == ["north": 10])
        writer.close()
    }

    @Test(arguments: TestStore.available) @LoopActor
    func aBatchWhoseRecordsFailLeavesThemOutWholeAndTheNextLands(_ backend: TestStore) throws {
        let store = try Self.store(backend, "atomic-\(backend)")
        let writer = try StoreWriter(store: store)
        var bad = StoreBatch()
        bad.run = 1
        bad.samples = [Sample(device: 1, point: 5, timeMs: Self.day, value: 1, quality: .good)]
        bad.events = [EventRow(tMs: Self.day, severity: "info", source: "t", kind: "k", message: "lost with its batch")]
        // A command for an interval that does not exist: the foreign key refuses it, and the batch with it.
        bad.commands = [CommandRow(id: 1, intervalID: 999, device: 1, requestedW: 0, targetW: 0, note: "",
                                   validFromMs: 0, validUntilMs: 1)]
        writer.write(bad)
        var good = StoreBatch()
        good.run = 1
        good.samples = [Sample(device: 1, point: 5, timeMs: Self.day + 1, value: 2, quality: .good)]
        writer.write(good)
        #expect(writer.flush())
        #expect(writer.failedBatches == 1)
        #expect(writer.lastFailureMessage?.contains("foreign key") == true || writer.lastFailureMessage?.contains("FOREIGN KEY") == true,
                "\(writer.lastFailureMessage ?? "")")
        let r = try StoreReader(store: store)
        // The records fail whole. On SQLite the batch is one transaction, so its samples go with them; on
        // PostgreSQL the samples commit on their own lane (StoreWriter), and stand.
        let kept: [Double] = backend == .sqlite ? [2] : [1, 2]
        #expect(writer.committedSamples == Int64(kept.count))
        #expect(try r.telemetry(device: 1, point: 5, run: 1, fromMs: 0, toMs: Self.day + 10, limit: 10).map(\.value) == kept)
        #expect(try r.events(run: 1, prefixes: [], source: nil, fromMs: 0, toMs: Self.day + 10, limit: 10).isEmpty)
        writer.close()
    }

    @Test(arguments: TestStore.available)
    func reopeningMigratesNothingAndANewerSchemaIsRefused(_ backend: TestStore) throws {
        let store = try Self.store(backend, "schema-\(backend)")
        try StoreWriter(store: store).close()
        try StoreWriter(store: store).close()
        let db: any StoreDatabase = backend == .sqlite ? try SQLiteDatabase(path: store.path) : try PostgresDatabase(url: store.url!)
        #expect(try db.scalar("SELECT MAX(version) FROM schema_migrations") == Int64(Migrations.latest))
        let rows = try db.scalar("SELECT COUNT(*) FROM schema_migrations")
        #expect(rows == (backend == .sqlite ? Int64(Migrations.latest) : 1))
        try db.exec("INSERT INTO schema_migrations (version, description, applied_ms) VALUES (99, 'from the future', 0)")
        #expect {
            try StoreWriter(store: store)
        } throws: { error in
            "\(error)".contains("has schema version 99; this Manta knows up to \(Migrations.latest): use a newer mantad")
        }
    }
}
