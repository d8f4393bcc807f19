/// A mutual-exclusion lock for state that is not Sendable by itself (a
/// socket, a device's connection), held only around short critical sections
/// or one device exchange.
public final class Lock: Sendable {
    private let mutex = ConditionLock<Void>(())

    public init() {}

    public func withLock<T>(_ body: () throws -> T) rethrows -> T {
        try mutex.withLock { _ in try body() }
    }
}
