import CLibUV
import Glibc
import Synchronization

/// The host's libuv event loop, and the one way onto it from other threads.
///
/// The loop thread owns all host state. Other threads (plugin workers, the
/// store writer) never touch that state: they hand the loop a job with
/// `execute`, which enqueues it and wakes the loop with `uv_async_send`.
public final class EventLoop: @unchecked Sendable {
    // @unchecked: `raw` and `wakeup` are touched only on the loop thread,
    // except uv_async_send, which libuv documents as thread-safe; `jobs` is
    // behind a Mutex.
    public let raw: UnsafeMutablePointer<uv_loop_t>
    private let wakeup: UnsafeMutablePointer<uv_async_t>
    private let jobs = Mutex<[@Sendable () -> Void]>([])
    private let loopThread = Mutex<pthread_t?>(nil)

    public init() {
        raw = .allocate(capacity: 1)
        uv_loop_init(raw)
        wakeup = .allocate(capacity: 1)
        uv_async_init(raw, wakeup) { handle in
            EventLoop.from(handle!.pointee.data).drain()
        }
        wakeup.pointee.data = Unmanaged.passUnretained(self).toOpaque()
    }

    static func from(_ data: UnsafeMutableRawPointer?) -> EventLoop {
        Unmanaged<EventLoop>.fromOpaque(data!).takeUnretainedValue()
    }

    /// True on the loop thread while `run` is running.
    public var inLoop: Bool {
        loopThread.withLock { t in t.map { pthread_equal($0, pthread_self()) != 0 } ?? false }
    }

    /// [any] Runs `job` on the loop thread, soon. Jobs run in the order given.
    public func execute(_ job: @escaping @Sendable () -> Void) {
        jobs.withLock { $0.append(job) }
        uv_async_send(wakeup)
    }

    private func drain() {
        // Take the whole queue at once so that producers are never blocked
        // behind a running job.
        let batch = jobs.withLock { q -> [@Sendable () -> Void] in
            defer { q.removeAll(keepingCapacity: true) }
            return q
        }
        for job in batch { job() }
    }

    /// Runs the loop on the calling thread until `stop` and until every
    /// handle is closed.
    public func run() {
        loopThread.withLock { $0 = pthread_self() }
        uv_run(raw, UV_RUN_DEFAULT)
        drain()
        loopThread.withLock { $0 = nil }
    }

    /// [loop] Closes the wake-up handle so that `run` returns once the other
    /// handles are closed too.
    public func stop() {
        uv_close(UnsafeMutableRawPointer(wakeup).assumingMemoryBound(to: uv_handle_t.self), nil)
    }

    /// Milliseconds of libuv's cached monotonic clock.
    public var monotonicMs: UInt64 { uv_now(raw) }
}
