import Glibc
import MantaABI
import MantaIO
import MantaSDK
import Synchronization

/// The host's end of one runner process: spawns `manta-runner` with one
/// end of a socketpair, sends calls and waits for their replies (with a time
/// limit), and turns the runner's callback frames, on a reader thread of
/// its own, into the same HostServices calls an in-process plugin makes.
///
/// A runner that dies, breaks the protocol or leaves a call unanswered is
/// killed and reaped; `onExit` is told why, once.
final class RunnerLink: Sendable {
    let pid: pid_t
    private let fd: Int32
    private let context: InstanceContext
    private let clock: HostClock
    /// Guards writes; true once the socket is closed.
    private let writeLock = Mutex(false)
    private let pending = Mutex<(next: UInt32, waiting: [UInt32: Completion<[UInt8]?>], dead: Bool)>((1, [:], false))
    /// Why the host ended it (a hang), told in preference to the wait status.
    private let ending = Mutex<String?>(nil)
    private let hello = Completion<Result<(major: UInt32, minor: UInt32, minHostMinor: UInt32), PluginCallError>>()
    private let exitReason = Completion<String>()
    private let reader: Worker
    private let drops = Mutex<(count: Int, toldMs: Int64)>((0, -1_000_000))

    /// The runner executable: `MANTA_RUNNER`, else `manta-runner` beside
    /// this process's executable (the package's build folder).
    static var executable: String {
        if let e = getenv("MANTA_RUNNER") { return String(cString: e) }
        return Paths.directory(of: Paths.executable ?? "./-") + "/manta-runner"
    }

    /// Starts the runner for `module` (path and manifest). `onExit` runs on
    /// the reader thread once the runner has ended, with the reason.
    init(library: String, manifest: String, context: InstanceContext, clock: HostClock,
         onExit: @escaping @Sendable (String) -> Void) throws(PluginCallError) {
        var pair: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            throw PluginCallError("socketpair: \(String(cString: strerror(errno)))")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pair[1], 3)
        let exe = RunnerLink.executable
        let args = [exe, "3", library, manifest, String(getpid())]
        var cArgs: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        // A plugin's crash is reported by its wait status; Swift's crash
        // backtracer would only delay the runner's end and fill the log.
        var env: [UnsafeMutablePointer<CChar>?] = []
        var e = environ
        while let entry = e.pointee {
            env.append(strdup(entry))
            e += 1
        }
        if getenv("SWIFT_BACKTRACE") == nil { env.append(strdup("SWIFT_BACKTRACE=enable=no")) }
        env.append(nil)
        defer { env.forEach { free($0) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, exe, &actions, nil, &cArgs, &env)
        close(pair[1])
        guard rc == 0 else {
            close(pair[0])
            throw PluginCallError("cannot start \(exe): \(String(cString: strerror(rc)))")
        }
        pid = child
        fd = pair[0]
        self.context = context
        self.clock = clock
        reader = Worker(name: "run:\(context.name)")
        reader.submit { [self] in
            let reason = readLoop()
            pending.withLock { p in
                p.dead = true
                for c in p.waiting.values { c.finish(nil) }
                p.waiting = [:]
            }
            hello.finish(.failure(PluginCallError("the runner ended before it loaded the plugin: \(reason)")))
            writeLock.withLock { closed in
                closed = true
                close(fd)
            }
            // Told before waiters wake, so that a caller of waitForExit
            // finds the instance already failed with the reason.
            onExit(reason)
            exitReason.finish(reason)
            reader.close()
        }
    }

    /// The module's ABI as the runner loaded it, or why it could not.
    func loaded(timeoutMs: Int64) -> Result<(major: UInt32, minor: UInt32, minHostMinor: UInt32), PluginCallError> {
        hello.wait(timeoutMs: timeoutMs) ?? .failure(PluginCallError("the runner did not load the plugin within \(timeoutMs) ms"))
    }

    /// Sends a call and waits for its reply's fields; nil when the runner
    /// is gone or did not answer within `timeoutMs` (then it is killed).
    func call(_ type: RunnerMessage, timeoutMs: Int64, what: String, _ fill: (inout FrameWriter) -> Void = { _ in })
        -> FrameReader?
    {
        let done = Completion<[UInt8]?>()
        guard let id = pending.withLock({ p -> UInt32? in
            guard !p.dead else { return nil }
            let id = p.next
            p.next &+= 1
            p.waiting[id] = done
            return id
        }) else { return nil }
        var w = FrameWriter(type, call: id)
        w.clock(clock)
        fill(&w)
        guard send(w) else { return nil }
        guard let answer = done.wait(timeoutMs: timeoutMs) else {
            end("hung: \(what) not answered within \(timeoutMs) ms")
            return nil
        }
        guard let body = answer, let r = try? FrameReader(body) else { return nil }
        return r
    }

    private func send(_ w: FrameWriter) -> Bool {
        let frame = w.frame
        return writeLock.withLock { closed in !closed && FrameIO.write(fd, frame) }
    }

    /// Kills the runner, saying why; the reader thread reports the exit.
    func end(_ reason: String) {
        ending.withLock { if $0 == nil { $0 = reason } }
        kill(pid, SIGKILL)
    }

    /// Waits for the runner to have ended (after destroy or `end`) and its
    /// exit to have been handled; returns the reason.
    func waitForExit(timeoutMs: Int64) -> String? { exitReason.wait(timeoutMs: timeoutMs) }

    /// Reads frames until the runner goes; returns why it went.
    private func readLoop() -> String {
        var violation: String?
        while violation == nil {
            do {
                guard let body = try FrameIO.read(fd) else { break }
                var r = try FrameReader(body)
                try handle(&r, body)
            } catch {
                violation = "protocol violation: \(error.description)"
            }
        }
        if let violation { ending.withLock { if $0 == nil { $0 = violation } } }
        // The stream ended: the runner exited, or is about to (or broke the
        // protocol and is killed); its wait status says which.
        if violation != nil { kill(pid, SIGKILL) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let how = ChildProcess.describe(status)
        return ending.withLock { $0 }.map { "\($0) (\(how))" } ?? how
    }

    /// Counts samples the host refused (its queue was full: the runner's
    /// publish_samples had already said MANTA_OK) and says so at most once
    /// a second.
    private func dropped(_ n: Int) {
        let now = WallClock.monotonicMs()
        let (total, say) = drops.withLock { d -> (Int, Bool) in
            d.count += n
            guard now - d.toldMs >= 1_000 else { return (d.count, false) }
            d.toldMs = now
            return (d.count, true)
        }
        if say {
            context.services.log(from: context, level: .warn,
                                 message: "host queue full: \(total) samples from this runner dropped so far")
        }
    }

    private func handle(_ r: inout FrameReader, _ body: [UInt8]) throws(ProtocolViolation) {
        let c = context, s = context.services
        switch r.type {
        case .hello:
            if try r.bool() {
                let major = try r.u32(), minor = try r.u32(), minHost = try r.u32()
                hello.finish(.success((major, minor, minHost)))
            } else {
                hello.finish(.failure(PluginCallError(try r.str())))
            }
        case .reply:
            guard let waiter = pending.withLock({ $0.waiting.removeValue(forKey: r.call) }) else {
                // A reply to a call given up on (timed out) is not an error.
                return
            }
            waiter.finish(body)
        case .log:
            let level = LogLevel(code: try r.i32())
            s.log(from: c, level: level, message: try r.str())
        case .reportError:
            let code = try r.i32()
            s.reportError(from: c, code: code, message: try r.str())
        case .requestCallback:
            s.requestCallback(from: c, delayMs: try r.i64())
        case .samples:
            let samples = try r.samples()
            let rc = samples.withUnsafeBufferPointer { s.publishSamples(from: c, $0) }
            if rc != MANTA_OK { dropped(samples.count) }
        case .prices:
            var prices: [Price] = []
            for _ in 0..<(try r.count(minBytes: 32)) { prices.append(try r.price()) }
            _ = s.publishPrices(from: c, prices)
        case .linkState:
            let device = try r.u32(), online = try r.bool()
            _ = s.setLinkState(from: c, device: device, online: online, reason: try r.str())
        default:
            throw ProtocolViolation("the runner sent \(r.type), a host-side message")
        }
    }
}
