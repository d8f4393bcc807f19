/// Carries a value that is not Sendable through a @Sendable closure, for
/// the cases where only one thread ever uses it: a loop-confined value that
/// comes back to the loop, or a connection handed to the one worker that
/// owns it. The caller vouches for that; the compiler cannot.
public struct UncheckedSendable<T>: @unchecked Sendable {
    public let value: T
    public init(_ value: T) { self.value = value }
}
