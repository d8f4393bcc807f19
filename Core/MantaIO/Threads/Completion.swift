/// A one-shot value handed from one thread to a waiting one.
public final class Completion<T: Sendable>: Sendable {
    private let box = ConditionLock<(done: Bool, value: T?)>((false, nil))

    public init() {}

    /// [any] Hands over `v` and wakes every waiter.
    public func finish(_ v: T) {
        box.withLock(wake: .all) { $0 = (true, v) }
    }

    /// The value, waiting at most `timeoutMs` (on the monotonic clock) for
    /// it; nil if it did not come.
    public func wait(timeoutMs: Int64) -> T? {
        box.wait(until: { $0.done }, timeoutMs: timeoutMs) { s, done in done ? s.value : nil }
    }
}
