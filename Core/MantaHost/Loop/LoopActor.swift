import CLibUV
import Glibc
import MantaIO
import Synchronization

/// The global actor of the host's event loop.
///
/// Host state that the loop owns is declared `@LoopActor`, so the compiler
/// refuses any access from another thread: the rule "one loop thread owns
/// host state" is a type, not a comment. Its executor is `EventLoop.shared`,
/// which runs every job on the one libuv loop thread of the process.
///
/// Other threads reach the loop only by enqueuing (`EventLoop.execute`, or
/// any `await` on a `@LoopActor` function), which ends in `uv_async_send`.
@globalActor
public actor LoopActor {
    public static let shared = LoopActor()

    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        EventLoop.shared.asUnownedSerialExecutor()
    }

    /// Runs `body` as loop-isolated code. For libuv callbacks, which libuv
    /// makes on the loop thread but which the compiler cannot know to be
    /// isolated. Traps when called on any other thread.
    public static func assumeIsolated<T: Sendable>(_ body: @LoopActor () throws -> T) rethrows -> T {
        precondition(EventLoop.shared.inLoop, "LoopActor.assumeIsolated called off the loop thread")
        // The same conversion the standard library makes for
        // MainActor.assumeIsolated: the isolation has just been checked.
        return try withoutActuallyEscaping(body) { fn in
            try unsafeBitCast(fn, to: (() throws -> T).self)()
        }
    }
}

/// The process's libuv loop as a Swift `SerialExecutor`: one thread,
/// started with the process's first use of the loop, running `uv_run` for
/// the life of the process. Hosts (a daemon has one; a test process may
/// run several) register their handles on it and close them when they stop.
public final class EventLoop: SerialExecutor, @unchecked Sendable {
    // @unchecked: `raw` and `wakeup` are libuv C handles. `raw` is only
    // used on the loop thread (through `uvLoop`, which is @LoopActor);
    // from other threads only uv_async_send(wakeup) is called, which libuv
    // documents as thread-safe. The work queue is behind a Mutex.

    public static let shared = EventLoop()

    private enum Work: Sendable {
        case job(UnownedJob)
        case closure(@LoopActor @Sendable () -> Void)
    }

    private let raw: UnsafeMutablePointer<uv_loop_t>
    private let wakeup: UnsafeMutablePointer<uv_async_t>
    private let queue = Mutex<[Work]>([])
    private let thread: pthread_t

    private init() {
        raw = .allocate(capacity: 1)
        uv_loop_init(raw)
        wakeup = .allocate(capacity: 1)
        uv_async_init(raw, wakeup) { _ in EventLoop.shared.drain() }
        var t = pthread_t()
        let loop = raw
        let rc = pthread_create(&t, nil, { arg in
            Worker.nameThisThread("manta-loop")
            let loop = arg!.assumingMemoryBound(to: uv_loop_t.self)
            // The wake-up handle is never closed, so this runs for the
            // life of the process.
            uv_run(loop, UV_RUN_DEFAULT)
            return nil
        }, UnsafeMutableRawPointer(loop))
        precondition(rc == 0, "cannot start the loop thread: \(String(cString: strerror(rc)))")
        thread = t
    }

    /// True on the loop thread.
    public var inLoop: Bool { pthread_equal(pthread_self(), thread) != 0 }

    /// [loop] The uv_loop_t, for creating handles on it.
    @LoopActor public var uvLoop: UnsafeMutablePointer<uv_loop_t> { raw }

    // MARK: SerialExecutor

    public func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        queue.withLock { $0.append(.job(unowned)) }
        uv_async_send(wakeup)
    }

    public func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    public func checkIsolated() {
        precondition(inLoop, "expected to be on the host's loop thread")
    }

    // MARK: entering the loop from other threads

    /// [any] Runs `job` on the loop thread, soon. Jobs run in the order given.
    public func execute(_ job: @escaping @LoopActor @Sendable () -> Void) {
        queue.withLock { $0.append(.closure(job)) }
        uv_async_send(wakeup)
    }

    /// [any] Runs `body` on the loop and waits for its value. On the loop
    /// thread itself it runs `body` at once (waiting there would deadlock).
    public func sync<T: Sendable>(_ body: @escaping @LoopActor @Sendable () -> T) -> T {
        if inLoop { return LoopActor.assumeIsolated(body) }
        let done = Completion<T>()
        execute { done.finish(body()) }
        // Loop work is short by rule; a loop that does not answer in ten
        // minutes is wedged and nothing sensible can carry on.
        guard let value = done.wait(timeoutMs: 600_000) else { fatalError("the host's loop did not answer for 10 minutes") }
        return value
    }

    private func drain() {
        // Take the whole queue at once so that producers are never blocked
        // behind a running job.
        var batch: [Work] = []
        queue.withLock { swap(&batch, &$0) }
        let me = asUnownedSerialExecutor()
        for work in batch {
            switch work {
            case .job(let job): job.runSynchronously(on: me)
            case .closure(let body): LoopActor.assumeIsolated { body() }
            }
        }
    }
}
