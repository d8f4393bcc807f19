import Foundation
@_spi(Benchmarks) import MantaHost
import MantaIO
import MantaJSON
import MantaTools
import MantaModbus
import MantaModbusSim
import Synchronization
import MantaText

/// Device access at fleet scale: 200 Modbus devices polled concurrently
/// over real sockets, and 100,000 simulated devices end to end.
enum DevicesBench {
    static func run(root: String, into report: inout Report) throws {
        try modbus(root: root, into: &report)
        try fleet(root: root, into: &report)
    }

    // MARK: 200 Modbus devices

    struct PollRun {
        var polls = 0
        var seconds = 0.0
        var latenciesUs: [Double] = []
        var rate: Double { Double(polls) / seconds }
        func percentile(_ p: Double) -> Double {
            let s = latenciesUs.sorted()
            return s.isEmpty ? .nan : s[min(s.count - 1, Int(Double(s.count) * p))]
        }
    }

    /// Polls every device as the drivers do (SunSpecDevice.poll over one
    /// ModbusClient per device) on `threads` threads, each taking its share
    /// of the devices round robin, for `seconds`.
    static func poll(ports: [Int], threads: Int, seconds: Double) throws -> PollRun {
        let devices = try ports.map { port -> (SunSpecDevice, ModbusClient) in
            let c = ModbusClient(host: "127.0.0.1", port: port), d = SunSpecDevice()
            _ = try d.attach(c, unit: 1)
            return (d, c)
        }
        let pool = Worker(name: "poll", threads: threads)
        let collected = Mutex(PollRun())
        let deadline = WallClock.monotonicMs() + Int64(seconds * 1000), start = WallClock.monotonicNs()
        for t in 0..<threads {
            let mine = stride(from: t, to: devices.count, by: threads).map { UncheckedSendable(devices[$0]) }
            pool.submit {
                var latencies: [Double] = [], polls = 0
                while WallClock.monotonicMs() < deadline {
                    for box in mine {
                        let t0 = WallClock.monotonicNs()
                        if (try? box.value.0.poll(box.value.1, unit: 1)) != nil { polls += 1 }
                        latencies.append(Double(WallClock.monotonicNs() - t0) / 1000)
                    }
                }
                collected.withLock {
                    $0.polls += polls
                    $0.latenciesUs += latencies
                }
            }
        }
        pool.join()
        var run = collected.withLock { $0 }
        run.seconds = Double(WallClock.monotonicNs() - start) / 1e9
        devices.forEach { $0.1.close() }
        return run
    }

    static func modbus(root: String, into report: inout Report) throws {
        print("  200 Modbus devices...")
        let server = try ModbusSimServer((0..<200).map { .init(holding: SunSpecImage.hybrid(serial: "SIM-\($0)").holding) })
        server.start()
        defer { server.stop() }
        let concurrent = try poll(ports: server.ports, threads: 8, seconds: 5)
        let serial = try poll(ports: server.ports, threads: 1, seconds: 5)
        let python = pysunspec2PollMs(root: root, port: server.ports[0])
        var rows = [
            ["8 threads (the drivers' default)", grouped(concurrent.rate), fixed(concurrent.percentile(0.5) / 1000, 2),
             fixed(concurrent.percentile(0.99) / 1000, 2), "1 thread: \(grouped(serial.rate)) polls/s", "\(fixed(concurrent.rate / serial.rate, 2))x"],
            ["1 thread, one device after another", grouped(serial.rate), fixed(serial.percentile(0.5) / 1000, 2),
             fixed(serial.percentile(0.99) / 1000, 2), "", ""],
        ]
        switch python {
        case .success(let ms):
            rows.append(["pysunspec2 reading the same 4 models of one device", grouped(1000 / ms), fixed(ms, 2), "", "Manta, 1 thread",
                         "Manta \(fixed(ms / (serial.percentile(0.5) / 1000), 1))x faster per poll"])
        case .failure(let why):
            rows.append(["pysunspec2 reference", "not run: \(why.description)", "", "", "", ""])
        }
        report.section(
            "Modbus: 200 SunSpec devices polled over TCP",
            command: "make bench   # or: .build/release/manta-bench --only devices",
            header: ["run", "polls/s", "p50 ms", "p99 ms", "reference (same run)", "ratio"],
            rows: rows,
            notes: ["Each device is a SunSpec hybrid inverter (models 1, 103, 120, 123, 124) on its own 127.0.0.1 port, served by one Swift thread (Tests/ModbusSim); a poll reads its four data models (4 requests, 130 registers) through SunSpecDevice.poll, as manta.sunspec does, each device on its own connection. 5 s per run. Client and server share the machine's 2 cores, so the 8-thread figure is bounded by the server thread."])
    }

    /// pysunspec2's client reading models 103, 120, 123 and 124 of one device: ms per poll.
    static func pysunspec2PollMs(root: String, port: Int) -> Result<Double, BenchError> {
        let script = """
            import sys, time
            import sunspec2.modbus.client as client
            d = client.SunSpecModbusClientDeviceTCP(slave_id=1, ipaddr="127.0.0.1", ipport=int(sys.argv[1]))
            d.scan()
            models = [d.models[m][0] for m in (103, 120, 123, 124)]
            n, t = 200, time.perf_counter()
            for _ in range(n):
                for m in models:
                    m.read()
            print((time.perf_counter() - t) / n * 1000)
            d.close()
            """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script, String(port)]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = Pipe()
        do { try p.run() } catch { return .failure(BenchError("python3: \(error)")) }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0, let ms = Double(String(decoding: data, as: UTF8.self).trimmed) else {
            return .failure(BenchError("needs pysunspec2 (pip install pysunspec2)"))
        }
        return .success(ms)
    }

    // MARK: 100,000 simulated devices

    static func fleet(root: String, into report: inout Report) throws {
        print("  100,000 simulated devices in a mantad of their own (about a minute)...")
        let baseline = try measureFleet(root: root, homes: 0, seconds: 10)
        let full = try measureFleet(root: root, homes: 50_000, seconds: 40)
        let perDeviceKB = (full.rssMB - baseline.rssMB) * 1024 / 100_000
        report.section(
            "100,000 simulated devices end to end",
            command: "make bench   # or: .build/release/manta-bench --only devices",
            header: ["run", "samples/s committed", "CPU (cores)", "resident MB (peak)", "target", "reference (same run)"],
            rows: [
                ["50,000 homes x (battery + PV), 6 samples each every 5 s", grouped(full.rate), fixed(full.cpu, 2),
                 "\(fixed(full.rssMB, 0)) (\(fixed(full.peakMB, 0)))", "< 1,024 MB",
                 "the same mantad with no devices: \(fixed(baseline.rssMB, 0)) MB"],
                ["  per device", "", "", "\(fixed(perDeviceKB, 1)) KB", "", ""],
            ],
            notes: ["A release mantad process (realtime clock) with one manta.sim instance that publishes the whole fleet through the ABI every 5 s (60,000 samples/s offered; a window of whole publishes commits at that rate, the figure above counts the commits inside the window); the host validates every sample against the catalog and the device's ratings, keeps the latest values, judges every device's health each second, and commits to SQLite (WAL, synchronous=FULL). Measured over \(Int(full.seconds)) s after the first publish was committed: samples from host.info, CPU (user + system over wall time; 2 cores available) from /proc/PID/stat, memory from /proc/PID/status (VmRSS, peak VmHWM)."])
    }

    struct FleetRun {
        var rate: Double
        var cpu: Double
        var rssMB: Double
        var peakMB: Double
        var seconds: Double
    }

    /// Runs a mantad with `homes` simulated homes and measures it from outside.
    static func measureFleet(root: String, homes: Int, seconds: Double) throws -> FleetRun {
        let folder = NSTemporaryDirectory() + "manta-fleet-\(homes)-\(getpid())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let port = try freePort()
        let config: JSON = [
            "api": ["listen": .string("127.0.0.1:\(port)")], "log": ["level": "warn"],
            "store": ["path": .string("\(folder)/manta.db"), "commit_interval_ms": 500],
            "catalog": .string("\(root)/registry/catalog/points.json"),
            "plugin_dirs": [.string("\(root)/Plugins")], "library_dirs": [.string("\(root)/.build/release")],
            "plugins": [["instance": "fleet", "plugin": "manta.sim",
                         "config": ["homes": .int(Int64(homes)), "publish_interval_ms": 5000]]],
        ]
        try FileSystem.write(config.pretty(), to: "\(folder)/manta.json")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "\(root)/.build/release/mantad")
        p.arguments = ["--config", "\(folder)/manta.json"]
        p.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try p.run()
        defer {
            p.terminate()
            p.waitUntilExit()
        }
        func committed() -> Int64? {
            guard let c = try? RPCClient(address: "127.0.0.1:\(port)"), let info = try? c.result("host.info") else { return nil }
            return info["store"]?["samples_committed"]?.integer
        }
        let first = WallClock.monotonicMs()
        while (committed() ?? -1) < Int64(homes * 6) {
            guard WallClock.monotonicMs() - first < 120_000, p.isRunning else { throw BenchError("mantad with \(homes) homes did not come up") }
            usleep(100_000)
        }
        let c0 = committed()!, cpu0 = cpuSeconds(pid: p.processIdentifier), t0 = WallClock.monotonicNs()
        usleep(UInt32(seconds * 1_000_000))
        let wall = Double(WallClock.monotonicNs() - t0) / 1e9
        let (rss, peak) = memoryMB(pid: p.processIdentifier)
        return FleetRun(rate: Double((committed() ?? c0) - c0) / wall, cpu: (cpuSeconds(pid: p.processIdentifier) - cpu0) / wall,
                        rssMB: rss, peakMB: peak, seconds: wall)
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard ok else { throw BenchError("no free port") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// User + system CPU seconds of process `pid` (/proc/PID/stat, fields 14 and 15).
    static func cpuSeconds(pid: Int32) -> Double {
        guard let text = try? FileSystem.readText("/proc/\(pid)/stat"), let close = text.lastIndex(of: ")") else { return .nan }
        let fields = text[text.index(after: close)...].split(separator: " ")
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return ((Double(fields[11]) ?? .nan) + (Double(fields[12]) ?? .nan)) / ticks
    }

    /// (VmRSS, VmHWM) of process `pid` in MB.
    static func memoryMB(pid: Int32) -> (Double, Double) {
        let text = (try? FileSystem.readText("/proc/\(pid)/status")) ?? ""
        func field(_ name: String) -> Double {
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(name) }) else { return .nan }
            return (Double(line.split(separator: " ").dropFirst().first.map(String.init)?.trimmed ?? "") ?? .nan) / 1024
        }
        return (field("VmRSS:"), field("VmHWM:"))
    }
}
