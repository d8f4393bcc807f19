import Glibc

/// A mutual-exclusion lock for state that is not Sendable by itself (a
/// socket, a device's connection), held only around short critical sections
/// or one device exchange.
public final class Lock: @unchecked Sendable {
    // @unchecked: the mutex is the synchronisation.
    private var mutex = pthread_mutex_t()

    public init() { pthread_mutex_init(&mutex, nil) }
    deinit { pthread_mutex_destroy(&mutex) }

    public func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return try body()
    }
}
