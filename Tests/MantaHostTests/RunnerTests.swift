import Foundation
import MantaABI
import MantaIO
import MantaJSON
import MantaSDK
import MantaTestSupport
import Synchronization
import Testing
@testable import MantaHost

/// The runner's wire: every ABI value there and back, and frames that lie.
@Suite struct RunnerWire {
    func roundTrip(_ fill: (inout FrameWriter) -> Void) throws -> FrameReader {
        var w = FrameWriter(.decide, call: 42)
        fill(&w)
        let frame = w.frame
        #expect(Int(frame[0]) | Int(frame[1]) << 8 | Int(frame[2]) << 16 | Int(frame[3]) << 24 == frame.count - 4)
        return try FrameReader(Array(frame.dropFirst(4)))
    }

    @Test func everyValueComesBackAsItWent() throws {
        var obs = Observation(nowMs: 1_658_000_000_000, intervalEndMs: 1_658_000_300_000, intervalMs: 300_000, deadlineMs: 99,
                              vpp: "vic", region: "VIC1", price: -38.5, priceHistory: [1.5, .nan, 300][...],
                              assets: [AssetState(id: "homes/home-001.battery", kind: .battery, soc: 0.42, capacityWh: 13_500,
                                                  maxChargeW: 5_000, maxDischargeW: 4_500, socMin: 0.1, socMax: 0.95, powerW: -1200,
                                                  roundTripEfficiency: 0.9)])
        // A second asset with its site (ABI 1.5): known values, one unknown, one limit not in force.
        var sited = obs.assets[0]
        sited.id = "homes/home-002.battery"
        sited.site = SiteState(id: "home-002", loadW: 850, pvW: 3100, gridW: -1050.5, exportLimitW: 1500, importCapW: nil)
        obs.assets.append(sited)
        var device = DeviceInfo(kind: .hybridInverter, key: "inv-ü", site: "farm")
        device.serial = "S1"
        device.ratings = DeviceRatings(ratedPowerW: 5_000, maxChargeW: 4_000, maxDischargeW: 3_000, capacityWh: 10_000,
                                       socMin: 0.05, socMax: 1, roundTripEfficiency: 0.88)
        device.controllable = true
        let setpoint = Setpoint(device: 3, mode: .activePower, commandID: 77, value: -2_500, validFromMs: 10, validUntilMs: 20)
        let outcome = SetpointOutcome(.clamped, applied: 2_000, "held to the rating", commandID: 77)
        let price = Price(intervalEndMs: 1_658_000_300_000, region: "SA1", rrp: 15_500, demandMW: 1_234.5, status: .forecast)
        let bid = Bid(bidID: 9, region: "NSW1", intervalEndMs: 5, quantityMW: 1.25, price: -1_000)
        let sample = manta_sample_t(device: 2, point: 7, time_ms: -5, value: 0.5, quality: MANTA_QUALITY_GOOD, reserved: 0)

        var r = try roundTrip {
            $0.observation(obs)
            $0.device(.success(device))
            $0.device(.failure(UnknownDeviceKind(code: 99, key: "odd")))
            $0.setpoint(setpoint)
            $0.outcome(outcome)
            $0.price(price)
            $0.bid(bid)
            $0.sample(sample)
        }
        #expect(r.type == RunnerMessage.decide && r.call == 42)
        let back = try r.observation()
        #expect(back.assets == obs.assets && back.vpp == "vic" && back.price == -38.5 && back.deadlineMs == 99)
        #expect(back.priceHistory.count == 3 && back.priceHistory.first == 1.5 && back.priceHistory.dropFirst().first!.isNaN)
        #expect(try r.device() == .success(device))
        #expect(try r.device() == .failure(UnknownDeviceKind(code: 99, key: "odd")))
        #expect(try r.setpoint() == setpoint)
        #expect(try r.outcome() == outcome)
        #expect(try r.price() == price)
        #expect(try r.bid() == bid)
        let s = try r.sample()
        #expect(s.device == 2 && s.point == 7 && s.time_ms == -5 && s.value == 0.5 && s.quality == MANTA_QUALITY_GOOD)
    }

    @Test func fcasOffersEnablementAndFrequencyResponseCrossTheWire() throws {
        var obs = Observation(nowMs: 0, intervalEndMs: 300_000, intervalMs: 300_000, deadlineMs: 99, vpp: "nsw", region: "NSW1",
                              price: 80, priceHistory: [][...], assets: [])
        obs.fcas = [0.04, 0.1, 0.04, 0.04, .nan, 0.38, 0.29, 0.38, 0.38, .nan]
        var device = DeviceInfo(kind: .battery, key: "b", site: "s")
        device.ratings = DeviceRatings(ratedPowerW: 5_000, maxChargeW: 5_000, maxDischargeW: 5_000, capacityWh: 13_500,
                                       socMin: 0.1, socMax: 1, roundTripEfficiency: 0.9)
        device.respondsToFrequency = true
        let response = Setpoint(device: 1, mode: .lowerResponse, commandID: 3, value: 2_500, validFromMs: 10, validUntilMs: 20,
                                fullResponseHz: 0.35)
        var r = try roundTrip {
            $0.observation(obs)
            $0.device(.success(device))
            $0.setpoint(response)
            $0.fcas([])
        }
        let back = try r.observation().fcas
        #expect(back.count == 10 && zip(back, obs.fcas).allSatisfy { $0 == $1 || $0.isNaN && $1.isNaN })
        #expect(try r.device() == .success(device))
        #expect(try r.setpoint() == response)
        #expect(try r.fcas().isEmpty)
    }

    @Test func aSampleBatchIsTheSameFieldByFieldAsInBulk() throws {
        let batch = (0..<1_000).map { i in
            manta_sample_t(device: UInt32(i), point: UInt32(i * 3), time_ms: Int64(i) - 500, value: Double(i) / 7,
                           quality: MANTA_QUALITY_GOOD, reserved: 0xFFFF)
        }
        var bulk = try roundTrip { w in batch.withUnsafeBufferPointer { w.samples($0) } }
        var single = try roundTrip { w in batch.withUnsafeBufferPointer { w.samples($0) } }
        let read = try bulk.samples()
        #expect(try single.u32() == 1_000)
        for (i, s) in read.enumerated() {
            let one = try single.sample()
            #expect(s.device == one.device && s.point == one.point && s.time_ms == one.time_ms && s.value == one.value)
            #expect(s.device == UInt32(i) && s.time_ms == Int64(i) - 500 && s.value == Double(i) / 7 && s.reserved == 0)
        }
        #expect(read.count == 1_000)
        #expect(throws: ProtocolViolation.self) { try single.u8() }
    }

    @Test func framesThatLieAreViolations() throws {
        // Cut short: a string longer than what is left.
        var w = FrameWriter(.log, call: 0)
        w.i32(20)
        w.u32(1_000)
        var r = try FrameReader(Array(w.frame.dropFirst(4)))
        _ = try r.i32()
        #expect(throws: ProtocolViolation.self) { try r.str() }
        // A count of items the frame cannot hold.
        var c = FrameWriter(.samples, call: 0)
        c.u32(1_000_000)
        var rc = try FrameReader(Array(c.frame.dropFirst(4)))
        #expect(throws: ProtocolViolation.self) { try rc.count(minBytes: 28) }
        // An unknown message type.
        #expect(throws: ProtocolViolation.self) { try FrameReader([200, 0, 0, 0, 0]) }
    }
}

/// What a runner's plugin did, as the host side received it.
final class RunnerRecorder: HostServices {
    let samples = Mutex<[manta_sample_t]>([])
    let errors = Mutex<[String]>([])
    let logs = Mutex<[String]>([])
    /// What publish_samples answers (MANTA_ERR_BUSY: a full host queue).
    let answer: Int32
    init(answer: Int32 = MANTA_OK) { self.answer = answer }
    func log(from instance: InstanceContext, level: LogLevel, message: String) { logs.withLock { $0.append(message) } }
    func reportError(from instance: InstanceContext, code: Int32, message: String) { errors.withLock { $0.append(message) } }
    func nowMs() -> Int64 { 0 }
    func requestCallback(from instance: InstanceContext, delayMs: Int64) {}
    func publishSamples(from instance: InstanceContext, _ s: UnsafeBufferPointer<manta_sample_t>) -> Int32 {
        guard answer == MANTA_OK else { return answer }
        samples.withLock { $0 += Array(s) }
        return MANTA_OK
    }
    func pointID(_ name: String) -> UInt32 { 0 }
    func publishPrices(from instance: InstanceContext, _ prices: [Price]) -> Int32 { MANTA_OK }
    func setLinkState(from instance: InstanceContext, device: UInt32, online: Bool, reason: String) -> Int32 { MANTA_OK }
}

/// The exits a test's instance reported.
final class Exits: Sendable {
    private let list = Mutex<[(pid: Int32, reason: String, restartIn: Int64?)]>([])
    func withLock<T>(_ body: (inout [(pid: Int32, reason: String, restartIn: Int64?)]) -> T) -> T { list.withLock { body(&$0) } }
}

/// Real manta-runner processes running fixture drivers.
@Suite(.serialized) struct Runner {
    let root = TestPaths.temporaryFolder("runner")
    let exits = Exits()

    func instance(_ name: String, behaviour: Int, timeoutMs: Int64 = 5_000, maxRestarts: Int = 0,
                  services: RunnerRecorder = RunnerRecorder()) throws -> PluginInstance {
        #expect(FileSystem.exists(RunnerLink.executable), "build manta-runner first (swift build)")
        let dir = try build(name, behaviour: behaviour)
        let manifest = try Manifest.load("\(dir)/manifest.json")
        let exits = self.exits
        let iso = ProcessIsolation(manifestPath: manifest.path, clock: HostClock(.replay(startMs: 1_658_000_000_000, speed: 60)),
                                   pointIDs: ["battery.soc": 7, "ac.w": 8, "dc.w": 9], hostVersion: "test",
                                   maxRestarts: maxRestarts, backoffMs: 50,
                                   exited: { _, pid, reason, restartIn in exits.withLock { $0.append((pid, reason, restartIn)) } },
                                   recreated: { _ in })
        return PluginInstance(name: name, index: 0, module: LoadedModule(standInFor: manifest, path: "\(dir)/lib\(name).so"),
                              services: services, callTimeoutMs: timeoutMs, hostVersion: "test", isolation: iso)
    }

    /// fixture.c as a driver with `behaviour`, compiled through MantaIO's
    /// ChildProcess (close-on-exec pipes: a Foundation Pipe here would leak
    /// into the children other suites start meanwhile).
    func build(_ name: String, behaviour: Int) throws -> String {
        let dir = "\(root)/\(name)"
        try FileSystem.makeDirectories(dir)
        let cc = try ChildProcess([
            "cc", "-shared", "-fPIC", "-fvisibility=hidden", "-std=c11", "-O1", "-Wall", "-I", "\(TestPaths.root)/SDK/include",
            "\(TestPaths.root)/Tests/Fixtures/plugins/fixture.c", "-o", "\(dir)/lib\(name).so", "-lm",
            "-DFIXTURE_KIND=MANTA_KIND_DRIVER", "-DFIXTURE_BEHAVIOUR=\(behaviour)",
        ])
        let status = cc.waitForExit(timeoutMs: 60_000)
        #expect(status == 0, "cc: \(cc.errorLines())")
        let manifest: JSON = [
            "manifest_version": 1, "id": "test.fixture", "version": "1.0.0", "kind": "driver", "vendor": "Manta tests",
            "license": "Apache-2.0", "abi": ["major": 1, "minor": .int(Int64(MANTA_ABI_MINOR))], "library": .string("lib\(name).so"),
            "config_schema": ["type": "object"],
        ]
        try FileSystem.write(manifest.serialized(), to: "\(dir)/manifest.json")
        return dir
    }

    @Test func aDriverInARunnerPublishesDescribesAndStops() throws {
        let rec = RunnerRecorder()
        let inst = try instance("publishes", behaviour: 5, services: rec)
        try inst.create(config: [:])
        let pid = try #require(inst.runnerPID)
        #expect(pid != getpid() && kill(pid, 0) == 0)
        #expect(inst.start())
        #expect(inst.state == .started)
        // Behaviour 5 publishes seven samples at start with point_id and
        // now_ms answered in the runner: the catalog ids and the host clock.
        let samples = rec.samples.withLock { $0 }
        #expect(samples.count == 7)
        #expect(samples.first?.point == 7 && samples.first?.time_ms == 1_658_000_000_000 && samples.first?.value == 0.5)
        #expect(samples.map(\.point).contains(9999))
        guard case .success(let devices)? = inst.describeDevices(), case .success(let d)? = devices.first else {
            Issue.record("no devices")
            return
        }
        #expect(devices.count == 1 && d.key == "battery-1" && d.ratings.capacityWh == 10_000 && d.controllable)
        inst.stop()
        inst.destroy()
        #expect(inst.state == .destroyed)
        #expect(exits.withLock { $0.isEmpty }, "an asked-for exit is not reported")
        var status: Int32 = 0
        #expect(waitpid(pid, &status, WNOHANG) <= 0, "the runner was reaped")
    }

    @Test func samplesTheHostRefusesAreCountedAndLogged() throws {
        let rec = RunnerRecorder(answer: MANTA_ERR_BUSY)
        let inst = try instance("busy", behaviour: 5, services: rec)
        try inst.create(config: [:])
        #expect(inst.start())
        _ = inst.describeDevices()  // a call after start: the start's samples have been read
        #expect(rec.samples.withLock { $0.isEmpty })
        #expect(rec.logs.withLock { $0 } == ["host queue full: 7 samples from this runner dropped so far"])
        inst.stop()
        inst.destroy()
    }

    @Test func aCrashInStartEndsTheRunnerOnlyAndIsRestarted() throws {
        let inst = try instance("segfaults", behaviour: 3, maxRestarts: 1)
        try inst.create(config: [:])
        let first = try #require(inst.runnerPID)
        #expect(!inst.start())
        #expect(inst.state == .failed)
        // Restarted once after 50 ms, in a new process, which crashes again.
        let deadline = WallClock.monotonicMs() + 10_000
        while exits.withLock({ $0.count }) < 2 && WallClock.monotonicMs() < deadline { usleep(10_000) }
        let seen = exits.withLock { $0 }
        #expect(seen.count == 2)
        #expect(seen.allSatisfy { $0.reason == "killed by signal 11 (Segmentation fault)" })
        #expect(seen.first?.pid == first && seen.last?.pid != first)
        #expect(seen.first?.restartIn == 50 && seen.last?.restartIn == nil)
        #expect(inst.restarts == 1 && inst.lastExit == "killed by signal 11 (Segmentation fault)")
        #expect(inst.lastError.contains("killed by signal 11"))
        inst.destroy()
    }

    @Test func aCallWithoutAnAnswerEndsTheRunner() throws {
        let inst = try instance("hangs", behaviour: 8, timeoutMs: 300)
        try inst.create(config: [:])
        let began = WallClock.monotonicMs()
        #expect(!inst.start())
        #expect(WallClock.monotonicMs() - began < 2_000)
        let deadline = WallClock.monotonicMs() + 5_000
        while exits.withLock({ $0.isEmpty }) && WallClock.monotonicMs() < deadline { usleep(10_000) }
        #expect(exits.withLock { $0.first?.reason } == "hung: start() not answered within 300 ms (killed by signal 9 (Killed))")
        #expect(inst.state == .failed && inst.runnerPID == nil)
        inst.destroy()
    }
}
