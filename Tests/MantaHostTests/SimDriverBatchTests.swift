import Foundation
import MantaABI
import MantaJSON
import MantaSDK
import MantaTestSupport
import Testing
@testable import MantaHost

/// The built sim driver (libmanta_sim.so) taking setpoints through the
/// ABI 1.1 batch call, and one at a time, under a clock that moves.
@Suite(.serialized) struct SimDriverBatch {
    /// A started sim instance with `homes` homes behind an offline host.
    final class Sim {
        let module: LoadedModule
        let services: OfflineServices
        let table: HostTable
        let handle: OpaquePointer

        struct CreateFailed: Error {}

        init(homes: Int) throws {
            let manifest = try Manifest.load("\(TestPaths.root)/Plugins/drivers/sim/manifest.json")
            let module = try ModuleLoader.load(manifest, path: TestPaths.product("libmanta_sim.so"))
            guard module.acquire() == MANTA_OK else { throw CreateFailed() }
            let services = OfflineServices(catalog: try CatalogFile.load(path: "\(TestPaths.root)/registry/catalog/points.json"),
                                           startMs: 1_657_980_000_000)
            let table = HostTable(context: InstanceContext(name: "sim", index: 0, services: services),
                                  hostName: "test", hostVersion: "0")
            let config = manifest.configSchema.applyingDefaults(to: ["homes": .int(Int64(homes)), "publish_interval_ms": 60_000])
            guard let handle = config.serialized().withManta({ module.table.pointee.create(table.raw, $0) }),
                  module.table.pointee.start(handle) == MANTA_OK
            else { throw CreateFailed() }
            (self.module, self.services, self.table, self.handle) = (module, services, table, handle)
        }

        deinit {
            module.table.pointee.stop(handle)
            module.table.pointee.destroy(handle)
            table.free()
            module.release()
        }
    }

    func request(_ device: Int, _ value: Double, mode: SetpointMode = .activePower, id: UInt64, now: Int64) -> Setpoint {
        Setpoint(device: device, mode: mode, commandID: id, value: value, validFromMs: now, validUntilMs: now + 300_000)
    }

    @Test func aBatchComesBackInOrderWithEachOutcome() throws {
        let sim = try Sim(homes: 3)
        #expect(DriverCalls.hasBatch(sim.module))
        let now = sim.services.nowMs()
        // Devices: home h's battery is 2h, its PV 2h + 1.
        let results = DriverCalls.apply(sim.module, sim.handle, [
            request(0, -2000, id: 1, now: now),
            request(1, 0, mode: .exportLimit, id: 2, now: now),
            request(2, 99_999, id: 3, now: now),
            request(5, 1000, id: 4, now: now),  // a PV inverter given active power
            request(6, 0, id: 5, now: now),     // no such device
            request(4, 1000, id: 6, now: now - 600_000),  // expired
        ])
        #expect(results.map(\.commandID) == [1, 2, 3, 4, 5, 6])
        #expect(results.map(\.outcome.name) == ["applied", "applied", "clamped", "rejected", "rejected", "rejected"])
        #expect(results[0].appliedValue == -2000 && results[2].appliedValue == 5000)
        #expect(results.map(\.message) == ["", "", "limited to the inverter rating",
                                           "PV accepts a non-negative export limit only", "no device 6",
                                           "expired before it arrived"])
    }

    @Test func aModeTheKitDoesNotKnowIsRefusedInItsPlaceAndTheRestApplied() throws {
        let sim = try Sim(homes: 2)
        let batch = DriverCalls.table(sim.module).pointee.apply_setpoints!
        let now = sim.services.nowMs()
        func sp(_ device: UInt32, mode: Int32, id: UInt64) -> manta_setpoint_t {
            manta_setpoint_t(struct_size: UInt32(MemoryLayout<manta_setpoint_t>.size), device: device, mode: mode, reserved0: 0,
                             command_id: id, value: -1000, valid_from_ms: now, valid_until_ms: now + 300_000, full_response_hz: .nan)
        }
        var setpoints = [sp(0, mode: MANTA_SETPOINT_ACTIVE_POWER, id: 1), sp(2, mode: 9, id: 2),
                         sp(2, mode: MANTA_SETPOINT_ACTIVE_POWER, id: 3)]
        var empty = manta_setpoint_result_t()
        empty.struct_size = UInt32(MemoryLayout<manta_setpoint_result_t>.size)
        var results = [manta_setpoint_result_t](repeating: empty, count: 3)
        let rc = batch(sim.handle, &setpoints, 3, UInt32(MemoryLayout<manta_setpoint_t>.stride), &results,
                       UInt32(MemoryLayout<manta_setpoint_result_t>.stride))
        #expect(rc == MANTA_OK)
        let outcomes = results.enumerated().map { SetpointOutcome($1, commandID: UInt64($0 + 1)) }
        #expect(outcomes.map(\.outcome) == [.applied, .rejected, .applied])
        #expect(outcomes[1].message == "unknown setpoint mode 9")
        #expect(outcomes[0].appliedValue == -1000 && outcomes[2].appliedValue == -1000)
    }

    /// Time to give every battery one setpoint, one call each, with the
    /// clock moving 1 ms between calls (as a replay clock does).
    func oneAtATime(homes: Int) throws -> Double {
        let sim = try Sim(homes: homes)
        let apply = DriverCalls.table(sim.module).pointee.apply_setpoint!
        let start = sim.services.nowMs()
        let begin = Date()
        var applied = 0
        for h in 0..<homes {
            let now = start + Int64(h) + 1
            sim.services.setNow(now)
            var sp = manta_setpoint_t(struct_size: UInt32(MemoryLayout<manta_setpoint_t>.size), device: UInt32(2 * h),
                                      mode: MANTA_SETPOINT_ACTIVE_POWER, reserved0: 0, command_id: UInt64(h), value: -1000,
                                      valid_from_ms: now, valid_until_ms: now + 300_000, full_response_hz: .nan)
            var res = manta_setpoint_result_t()
            res.struct_size = UInt32(MemoryLayout<manta_setpoint_result_t>.size)
            if apply(sim.handle, &sp, &res) == MANTA_OK, res.outcome == MANTA_OUTCOME_APPLIED { applied += 1 }
        }
        let seconds = Date().timeIntervalSince(begin)
        #expect(applied == homes)
        return seconds
    }

    @Test func aSetpointCostsTheSameWhateverTheFleetSize() throws {
        // Ten times the fleet must cost about ten times as much, not a
        // hundred: each setpoint brings only its own home up to date.
        let small = (0..<3).map { _ in (try? oneAtATime(homes: 1_000)) ?? .infinity }.min()!
        let large = (0..<3).map { _ in (try? oneAtATime(homes: 10_000)) ?? .infinity }.min()!
        #expect(large / small < 30, "1,000 homes: \(small) s; 10,000 homes: \(large) s")
    }
}
