import Glibc

/// A one-shot value handed from one thread to a waiting one.
public final class Completion<T: Sendable>: @unchecked Sendable {
    // @unchecked: every field is guarded by `mutex`.
    private var mutex = pthread_mutex_t()
    private var cond = pthread_cond_t()
    private var value: T?
    private var done = false

    public init() {
        pthread_mutex_init(&mutex, nil)
        var attr = pthread_condattr_t()
        pthread_condattr_init(&attr)
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)
        pthread_cond_init(&cond, &attr)
    }

    public func finish(_ v: T) {
        pthread_mutex_lock(&mutex)
        value = v
        done = true
        pthread_cond_broadcast(&cond)
        pthread_mutex_unlock(&mutex)
    }

    /// The value, waiting at most `timeoutMs` for it; nil if it did not come.
    public func wait(timeoutMs: Int64) -> T? {
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
