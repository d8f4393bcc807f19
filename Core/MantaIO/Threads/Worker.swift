import Glibc
import Synchronization

/// Worker threads sharing one queue of jobs. With one thread (the default)
/// it is a serial worker, what the SDK calls [worker]: each plugin instance
/// gets one, and its jobs run one at a time in submission order on the same
/// OS thread for the instance's whole life, so a plugin may block (device
/// I/O) or keep thread-local state without affecting anything else. With
/// more, jobs run in parallel, each taken by the next free thread (backtests,
/// arena contenders, device polls).
public final class Worker: Sendable {
    public let name: String
    private struct Queue {
        var jobs: [@Sendable () -> Void] = []
        var closing = false
        /// Written by `init`, taken (once) by `join`.
        var threads: [pthread_t] = []
    }
    private let queue = ConditionLock(Queue())
    /// Monotonic ms at which the running job started, 0 when idle.
    private let busySince = Atomic<Int64>(0)

    public init(name: String, threads count: Int = 1) {
        self.name = name
        for _ in 0..<max(1, count) {
            var thread = pthread_t()
            let box = Unmanaged.passRetained(self).toOpaque()
            pthread_create(&thread, nil, { arg in
                let worker = Unmanaged<Worker>.fromOpaque(arg!).takeRetainedValue()
                Worker.nameThisThread(worker.name)
                worker.loop()
                return nil
            }, box)
            queue.withLock { $0.threads.append(thread) }
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

    /// How long the running job has been running, in ms on the monotonic
    /// clock (a wall-clock step cannot make a call look hung), or 0 when
    /// idle: how the host notices a plugin call that never returns. Meant
    /// for one thread; with more it measures the job started last.
    public var busyForMs: Int64 {
        let since = busySince.load(ordering: .relaxed)
        return since == 0 ? 0 : max(0, WallClock.monotonicMs() - since)
    }

    /// [any] Queues `job`. After `close`, jobs are dropped.
    public func submit(_ job: @escaping @Sendable () -> Void) {
        queue.withLock(wake: .one) { q in
            if !q.closing { q.jobs.append(job) }
        }
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
        queue.withLock(wake: .all) { $0.closing = true }
    }

    /// [any, not a worker thread] Closes and waits until every queued job
    /// has run and the threads have ended.
    public func join() {
        close()
        let threads = queue.withLock { q in
            defer { q.threads = [] }
            return q.threads
        }
        for t in threads { pthread_join(t, nil) }
    }

    private func loop() {
        while let job = queue.wait(until: { !$0.jobs.isEmpty || $0.closing }, then: { q, _ in
            q.jobs.isEmpty ? nil : q.jobs.removeFirst()
        }) {
            // max(1, _): 0 means idle.
            busySince.store(max(1, WallClock.monotonicMs()), ordering: .relaxed)
            job()
            busySince.store(0, ordering: .relaxed)
        }
    }
}
