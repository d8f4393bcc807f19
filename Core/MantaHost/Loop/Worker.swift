import Glibc
import MantaIO
import Synchronization

/// A serial worker thread: what the SDK calls [worker].
///
/// Each plugin instance gets one. Jobs run one at a time in submission order
/// on the same OS thread for the instance's whole life, so a plugin may
/// block (device I/O) or keep thread-local state without affecting anything
/// else in the host.
public final class Worker: @unchecked Sendable {
    // @unchecked: the queue is guarded by `mutex`/`cond`; `busySinceMs` is
    // atomic; the thread handle is written once before `start` returns.
    public let name: String
    private var mutex = pthread_mutex_t()
    private var cond = pthread_cond_t()
    private var queue: [@Sendable () -> Void] = []
    private var closing = false
    private var thread = pthread_t()
    private let busy = Atomic<Int64>(0)

    public init(name: String) {
        self.name = name
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&cond, nil)
        let box = Unmanaged.passRetained(self).toOpaque()
        pthread_create(&thread, nil, { arg in
            let worker = Unmanaged<Worker>.fromOpaque(arg!).takeRetainedValue()
            Worker.nameThisThread(worker.name)
            worker.loop()
            return nil
        }, box)
    }

    /// Names the calling thread for debuggers and `top -H` (Linux keeps 15
    /// bytes). /proc/thread-self/comm needs no GNU-only declarations.
    static func nameThisThread(_ name: String) {
        let fd = open("/proc/thread-self/comm", O_WRONLY)
        guard fd >= 0 else { return }
        let bytes = Array(name.utf8.prefix(15))
        _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        Glibc.close(fd)
    }

    /// Wall-clock ms at which the running job started, or 0 when idle: how
    /// the host notices a plugin call that never returns.
    public var busySinceMs: Int64 { busy.load(ordering: .relaxed) }

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

    /// [any] Finishes queued jobs, then ends the thread. Does not wait.
    public func close() {
        pthread_mutex_lock(&mutex)
        closing = true
        pthread_cond_signal(&cond)
        pthread_mutex_unlock(&mutex)
    }

    private func loop() {
        pthread_mutex_lock(&mutex)
        while true {
            while queue.isEmpty && !closing { pthread_cond_wait(&cond, &mutex) }
            if queue.isEmpty && closing { break }
            let job = queue.removeFirst()
            pthread_mutex_unlock(&mutex)
            busy.store(WallClock.nowMs(), ordering: .relaxed)
            job()
            busy.store(0, ordering: .relaxed)
            pthread_mutex_lock(&mutex)
        }
        pthread_mutex_unlock(&mutex)
    }
}

/// A one-shot value handed from one thread to a waiting one.
final class Completion<T: Sendable>: @unchecked Sendable {
    // @unchecked: every field is guarded by `mutex`.
    private var mutex = pthread_mutex_t()
    private var cond = pthread_cond_t()
    private var value: T?
    private var done = false

    init() {
        pthread_mutex_init(&mutex, nil)
        var attr = pthread_condattr_t()
        pthread_condattr_init(&attr)
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)
        pthread_cond_init(&cond, &attr)
    }

    func finish(_ v: T) {
        pthread_mutex_lock(&mutex)
        value = v
        done = true
        pthread_cond_broadcast(&cond)
        pthread_mutex_unlock(&mutex)
    }

    func wait(timeoutMs: Int64) -> T? {
        var deadline = timespec()
        clock_gettime(CLOCK_MONOTONIC, &deadline)
        let ns = Int64(deadline.tv_nsec) + (timeoutMs % 1000) * 1_000_000
        deadline.tv_sec += Int(timeoutMs / 1000 + ns / 1_000_000_000)
        deadline.tv_nsec = Int(ns % 1_000_000_000)
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        while !done {
            if pthread_cond_timedwait(&cond, &mutex, &deadline) == ETIMEDOUT { break }
        }
        return done ? value : nil
    }
}
