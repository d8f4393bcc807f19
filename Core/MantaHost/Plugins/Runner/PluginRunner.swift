import Glibc
import MantaABI
import MantaIO
import MantaSDK
import Synchronization

/// The runner's side of process isolation (`manta-runner`): loads one
/// plugin exactly as the host does (ModuleLoader), gives its instance a
/// manta_host_t whose callbacks become frames to the host, and serves the
/// host's calls, one at a time, in the order they arrive.
///
/// Nothing here survives a crash of the plugin, by design: the process ends
/// and the host sees it.
public enum PluginRunner {
    /// Serves the host on `fd` until it closes the socket or asks for
    /// destroy. Returns the process's exit status.
    public static func serve(fd: Int32, library: String, manifestPath: String, hostPID: Int32) -> Int32 {
        // A runner whose host is gone (even killed with SIGKILL while the
        // plugin hangs in a call, so that no EOF is read) ends with it.
        // Polled rather than PR_SET_PDEATHSIG, which follows the thread
        // that spawned the runner, and restarts spawn from short-lived ones.
        let watch = Worker(name: "host-watch")
        watch.submit {
            while getppid() == hostPID { usleep(500_000) }
            _exit(70)
        }
        let link = RunnerServices(fd: fd)
        let module: LoadedModule
        do {
            let manifest = try Manifest.load(manifestPath)
            module = try ModuleLoader.load(manifest, path: library)
            let rc = module.acquire()
            if rc != MANTA_OK { throw PluginRefusal(plugin: manifest.id, path: library, reason: "module init() returned \(StatusCode.name(rc))") }
        } catch {
            var w = FrameWriter(.hello, call: 0)
            w.bool(false)
            w.str("\(error)")
            _ = link.send(w)
            return 2
        }
        var hello = FrameWriter(.hello, call: 0)
        hello.bool(true)
        hello.u32(module.abiMajor)
        hello.u32(module.abiMinor)
        hello.u32(module.minHostMinor)
        hello.u32(module.kindTableSize)
        guard link.send(hello) else { return 1 }
        return Server(module: module, link: link).run()
    }

    private final class Server {
        let module: LoadedModule
        let link: RunnerServices
        var handle: OpaquePointer?
        var table: HostTable?

        init(module: LoadedModule, link: RunnerServices) {
            self.module = module
            self.link = link
        }

        func run() -> Int32 {
            while true {
                let body: [UInt8]
                do {
                    guard let b = try FrameIO.read(link.fd) else { return 0 }
                    body = b
                } catch {
                    return 3
                }
                do {
                    var r = try FrameReader(body)
                    link.adopt(clock: try r.clock())
                    var reply = FrameWriter(.reply, call: r.call)
                    let more = try serve(&r, &reply)
                    guard link.send(reply) else { return 1 }
                    if !more { return 0 }
                } catch {
                    return 3
                }
            }
        }

        /// One call; false when the runner should end (after destroy).
        func serve(_ r: inout FrameReader, _ w: inout FrameWriter) throws(ProtocolViolation) -> Bool {
            let m = module.table.pointee
            switch r.type {
            case .create:
                var ids: [String: UInt32] = [:]
                for _ in 0..<(try r.count(minBytes: 8)) { ids[try r.str()] = try r.u32() }
                let name = try r.str(), index = Int(try r.u32()), config = try r.str()
                link.setPointIDs(ids)
                let t = HostTable(context: InstanceContext(name: name, index: index, services: link), hostName: "mantad",
                                  hostVersion: try r.str())
                table = t
                handle = config.withManta { m.create(t.raw, $0) }
                w.bool(handle != nil)
            case .start:
                w.i32(handle.map { m.start($0) } ?? MANTA_ERR_INVALID)
            case .stop:
                if let h = handle { m.stop(h) }
            case .destroy:
                if let h = handle { m.destroy(h) }
                handle = nil
                return false
            case .callback:
                if let h = handle { m.on_callback(h) }
            case .describe:
                guard let h = handle else { throw ProtocolViolation("describe before create") }
                w.result(DriverCalls.describe(module, h)) { w, devices in
                    w.u32(UInt32(devices.count))
                    for d in devices { w.device(d) }
                }
            case .apply:
                guard let h = handle else { throw ProtocolViolation("apply before create") }
                var setpoints: [Setpoint] = []
                for _ in 0..<(try r.count(minBytes: 40)) { setpoints.append(try r.setpoint()) }
                let outcomes = DriverCalls.apply(module, h, setpoints)
                w.u32(UInt32(outcomes.count))
                for o in outcomes { w.outcome(o) }
            case .decide:
                guard let h = handle else { throw ProtocolViolation("decide before create") }
                w.result(StrategyCalls.decide(module, h, try r.observation())) { w, d in
                    w.u32(UInt32(d.targetsW.count))
                    for t in d.targetsW { w.f64(t) }
                    w.str(d.reason)
                    w.u32(UInt32(d.fcasMW.count))
                    for mw in d.fcasMW { w.f64(mw) }
                }
            case .fetchPrices:
                guard let h = handle else { throw ProtocolViolation("fetch_prices before create") }
                w.result(MarketCalls.fetch(module, h, region: try r.str(), fromMs: try r.i64(), toMs: try r.i64())) { w, prices in
                    w.u32(UInt32(prices.count))
                    for p in prices { w.price(p) }
                }
            case .submitBid:
                guard let h = handle else { throw ProtocolViolation("submit_bid before create") }
                w.result(MarketCalls.submit(module, h, try r.bid())) { w, o in w.bidOutcome(o) }
            default:
                throw ProtocolViolation("\(r.type) is not a call")
            }
            return true
        }
    }
}

/// The runner's manta_host_t services: every callback becomes a frame to
/// the host; now_ms and point_id are answered here (the host's clock and
/// catalog ids were sent with the calls).
final class RunnerServices: HostServices {
    let fd: Int32
    private let writeLock = Mutex(())
    private let pointIDs = Mutex<[String: UInt32]>([:])
    private let clock = Mutex<HostClock?>(nil)

    init(fd: Int32) { self.fd = fd }

    @discardableResult
    func send(_ w: FrameWriter) -> Bool {
        let frame = w.frame
        return writeLock.withLock { _ in FrameIO.write(fd, frame) }
    }

    func setPointIDs(_ ids: [String: UInt32]) { pointIDs.withLock { $0 = ids } }

    func adopt(clock c: (replay: Bool, startMs: Int64, speed: Double, sinceMs: Int64)) {
        clock.withLock { current in
            if current == nil { current = HostClock(c.replay ? .replay(startMs: c.startMs, speed: c.speed) : .realtime) }
            current!.begin(atMonotonicMs: c.sinceMs)
        }
    }

    func log(from instance: InstanceContext, level: LogLevel, message: String) {
        var w = FrameWriter(.log, call: 0)
        w.i32(level.rawValue)
        w.str(message)
        send(w)
    }

    func reportError(from instance: InstanceContext, code: Int32, message: String) {
        var w = FrameWriter(.reportError, call: 0)
        w.i32(code)
        w.str(message)
        send(w)
    }

    func nowMs() -> Int64 { clock.withLock { $0?.nowMs() } ?? 0 }

    func requestCallback(from instance: InstanceContext, delayMs: Int64) {
        var w = FrameWriter(.requestCallback, call: 0)
        w.i64(delayMs)
        send(w)
    }

    func publishSamples(from instance: InstanceContext, _ samples: UnsafeBufferPointer<manta_sample_t>) -> Int32 {
        var w = FrameWriter(.samples, call: 0)
        w.samples(samples)
        return send(w) ? MANTA_OK : MANTA_ERR_IO
    }

    func pointID(_ name: String) -> UInt32 { pointIDs.withLock { $0[name] } ?? 0 }

    func publishPrices(from instance: InstanceContext, _ prices: [Price]) -> Int32 {
        var w = FrameWriter(.prices, call: 0)
        w.u32(UInt32(prices.count))
        for p in prices { w.price(p) }
        return send(w) ? MANTA_OK : MANTA_ERR_IO
    }

    func setLinkState(from instance: InstanceContext, device: UInt32, online: Bool, reason: String) -> Int32 {
        var w = FrameWriter(.linkState, call: 0)
        w.u32(device)
        w.bool(online)
        w.str(reason)
        return send(w) ? MANTA_OK : MANTA_ERR_IO
    }
}
