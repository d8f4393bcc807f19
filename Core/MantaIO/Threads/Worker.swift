import Glibc
import Synchronization

/// Worker threads sharing one queue of jobs. With one thread (the default)
/// it is a serial worker, what the SDK calls [worker]: each plugin instance
/// gets one, and its jobs run one at a time in submission order on the same
/// OS thread for the instance's whole life, so a plugin may block (device
/// I/O) or keep thread-local state without affecting anything else. With
/// more, jobs run in parallel, each taken by the next free thread (backtests,
/// arena contenders, device polls).
public final class Worker: @unchecked Sendable {
    // @unchecked: the queue is guarded by `mutex`/`cond`; `busySinceMs` is
    // atomic; the thread handles are written before `init` returns and
    // read only by `join`.
    public let name: String
    private var mutex = pthread_mutex_t()
    private var cond = pthread_cond_t()
    private var queue: [@Sendable () -> Void] = []
    private var closing = false
    private var threads: [pthread_t] = []
    private let busy = Atomic<Int64>(0)

    public init(name: String, threads count: Int = 1) {
        self.name = name
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&cond, nil)
        for _ in 0..<max(1, count) {
            var thread = pthread_t()
            let box = Unmanaged.passRetained(self).toOpaque()
            pthread_create(&thread, nil, { arg in
                let worker = Unmanaged<Worker>.fromOpaque(arg!).takeRetainedValue()
                Worker.nameThisThread(worker.name)
                worker.loop()
                return nil
            }, box)
            threads.append(thread)
        }
    }

    /// Names the calling thread for debuggers and `top -H` (Linux keeps 15
    /// bytes). /proc/thread-self/comm needs no GNU-only declarations.
    public static func nameThisThread(_ name: String) {
        let fd = open("/proc/thread-self/comm", O_WRONLY)
        guard fd >= 0 else { return }
        let bytes = Array(name.utf8.prefix(15))
        _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        Glibc.close(fd)
    }

    /// How long the running job has been running, ms of the monotonic
    /// clock (a step of the wall clock cannot make a call look hung), or 0
    /// when idle: how the host notices a plugin call that never returns
    /// (one thread only).
    public var busyForMs: Int64 {
        let since = busy.load(ordering: .relaxed)
        return since == 0 ? 0 : max(1, WallClock.monotonicMs() - since)
    }

    /// [any] Queues `job`. After `close`, jobs are dropped.
    public func submit(_ job: @escaping @Sendable () -> Void) {
        pthread_mutex_lock(&mutex)
        if !closing {
            queue.append(job)
            pthread_cond_signal(&cond)
        }
        pthread_mutex_unlock(&mutex)
    }

    /// [any, not the worker] Runs `job` and waits for it at most `timeoutMs`.
    /// Returns its value, or nil when it did not finish in time (it still
    /// runs to completion on the worker; its result is then discarded).
    public func sync<T: Sendable>(timeoutMs: Int64, _ job: @escaping @Sendable () -> T) -> T? {
        let done = Completion<T>()
        submit { done.finish(job()) }
        return done.wait(timeoutMs: timeoutMs)
    }

    /// [any] Finishes queued jobs, then ends the threads. Does not wait.
    public func close() {
        pthread_mutex_lock(&mutex)
        closing = true
        pthread_cond_broadcast(&cond)
        pthread_mutex_unlock(&mutex)
    }

    /// [any, not a worker thread] Closes and waits until every queued job
    /// has run and the threads have ended.
    public func join() {
        close()
        for t in threads { pthread_join(t, nil) }
        threads = []
    }

    private func loop() {
        pthread_mutex_lock(&mutex)
        while true {
            while queue.isEmpty && !closing { pthread_cond_wait(&cond, &mutex) }
            if queue.isEmpty && closing { break }
            let job = queue.removeFirst()
            pthread_mutex_unlock(&mutex)
            busy.store(max(1, WallClock.monotonicMs()), ordering: .relaxed)
            job()
            busy.store(0, ordering: .relaxed)
            pthread_mutex_lock(&mutex)
        }
        pthread_mutex_unlock(&mutex)
    }
}
