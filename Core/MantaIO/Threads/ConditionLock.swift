import Glibc

/// State guarded by a pthread mutex, with a condition variable to wait for
/// it to change: what Completion and Worker are built on.
///
/// The mutex and the condition live in memory allocated here, never in a
/// Swift stored property: pthread objects must not move, and a Swift `var`
/// has no stable address (`&property` may hand pthread a temporary copy).
/// The condition waits on CLOCK_MONOTONIC, so a wall-clock step neither
/// shortens nor stretches a timeout.
final class ConditionLock<State> {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let cond = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    /// Read and written only with `mutex` held.
    private var state: State

    init(_ state: State) {
        self.state = state
        pthread_mutex_init(mutex, nil)
        var attr = pthread_condattr_t()
        pthread_condattr_init(&attr)
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)
        pthread_cond_init(cond, &attr)
        pthread_condattr_destroy(&attr)
    }

    deinit {
        pthread_cond_destroy(cond)
        pthread_mutex_destroy(mutex)
        cond.deallocate()
        mutex.deallocate()
    }

    /// Whom to wake after a change: waiters re-check their condition.
    enum Wake { case none, one, all }

    /// Runs `body` with the lock held, then wakes `wake` waiters.
    func withLock<R>(wake: Wake = .none, _ body: (inout State) throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer {
            switch wake {
            case .none: break
            case .one: pthread_cond_signal(cond)
            case .all: pthread_cond_broadcast(cond)
            }
            pthread_mutex_unlock(mutex)
        }
        return try body(&state)
    }

    /// Waits until `ready` holds (or, with a timeout, until `timeoutMs` has
    /// passed), then runs `body` with the lock still held. `body` learns
    /// whether `ready` held; it is not called early on a spurious wakeup.
    func wait<R>(until ready: (State) -> Bool, timeoutMs: Int64? = nil,
                 then body: (inout State, _ ready: Bool) throws -> R) rethrows -> R {
        var deadline = timespec()
        if let timeoutMs {
            clock_gettime(CLOCK_MONOTONIC, &deadline)
            let ns = Int64(deadline.tv_nsec) + (max(0, timeoutMs) % 1000) * 1_000_000
            deadline.tv_sec += Int(max(0, timeoutMs) / 1000 + ns / 1_000_000_000)
            deadline.tv_nsec = Int(ns % 1_000_000_000)
        }
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while !ready(state) {
            if timeoutMs == nil {
                pthread_cond_wait(cond, mutex)
            } else if pthread_cond_timedwait(cond, mutex, &deadline) == ETIMEDOUT {
                break
            }
        }
        return try body(&state, ready(state))
    }
}

// @unchecked: `state` is only touched with `mutex` held (every access above
// goes through withLock or wait), and the pthread objects
// are at fixed heap addresses for the lock's whole life. The one unchecked
// conformance the threading types need.
extension ConditionLock: @unchecked Sendable where State: Sendable {}
