import MantaIO

/// The host clock every plugin and the dispatch cycle run on.
///
/// `realtime` is the wall clock. `replay` starts at a chosen instant (for
/// example the first interval of a historical day) and runs `speed` times
/// faster than the wall clock, so a day of 5-minute intervals can be lived
/// through in minutes with every component none the wiser.
public struct HostClock: Sendable {
    public enum Mode: Sendable, Equatable {
        case realtime
        case replay(startMs: Int64, speed: Double)
    }

    public let mode: Mode
    private let monotonicStart: Int64

    public init(_ mode: Mode) {
        self.mode = mode
        monotonicStart = WallClock.monotonicMs()
    }

    /// Host time now, ms since the Unix epoch.
    public func nowMs() -> Int64 {
        switch mode {
        case .realtime:
            return WallClock.nowMs()
        case let .replay(start, speed):
            return start + Int64(Double(WallClock.monotonicMs() - monotonicStart) * speed)
        }
    }

    public var speed: Double {
        if case let .replay(_, speed) = mode { return speed }
        return 1
    }

    /// Wall-clock ms that `hostMs` of host time take (rounded up, so that a
    /// timer never fires before the host-time instant it waits for).
    public func wallMs(forHostMs hostMs: Int64) -> Int64 {
        guard hostMs > 0 else { return 0 }
        return Int64((Double(hostMs) / speed).rounded(.up))
    }
}
