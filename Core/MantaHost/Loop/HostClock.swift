import MantaIO
import Synchronization

/// The host clock every plugin and the dispatch cycle run on.
///
/// `realtime` is the wall clock. `replay` starts at a chosen instant (for
/// example the first interval of a historical day) and runs `speed` times
/// faster than the wall clock, so a day of 5-minute intervals can be lived
/// through in minutes with every component none the wiser. A replay clock
/// stands at its start until `begin()` (the loop starting), so that the
/// time plugins take to load does not eat into the first interval.
public final class HostClock: Sendable {
    public enum Mode: Sendable, Equatable {
        case realtime
        case replay(startMs: Int64, speed: Double)
    }

    public let mode: Mode
    /// Monotonic ms at which a replay clock began running; 0 until then.
    private let monotonicStart = Atomic<Int64>(0)

    public init(_ mode: Mode) {
        self.mode = mode
    }

    /// Starts a replay clock running (once; later calls do nothing).
    public func begin() {
        _ = monotonicStart.compareExchange(expected: 0, desired: WallClock.monotonicMs(), ordering: .relaxed)
    }

    /// Starts it as another process's clock began: the monotonic clock is
    /// the machine's, so a plugin runner keeps the host's time exactly.
    func begin(atMonotonicMs ms: Int64) {
        guard ms != 0 else { return }
        _ = monotonicStart.compareExchange(expected: 0, desired: ms, ordering: .relaxed)
    }

    /// Monotonic ms at which a replay clock began running; 0 until then.
    var runningSinceMs: Int64 { monotonicStart.load(ordering: .relaxed) }

    /// Host time now, ms since the Unix epoch.
    public func nowMs() -> Int64 {
        switch mode {
        case .realtime:
            return WallClock.nowMs()
        case let .replay(start, speed):
            let began = monotonicStart.load(ordering: .relaxed)
            return began == 0 ? start : start + Int64(Double(WallClock.monotonicMs() - began) * speed)
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

extension LoopTimer {
    /// A timer calling `action` every `hostMs` of host-clock time, in wall
    /// time between 20 ms and a second (a fast replay clock is not chased
    /// below 20 ms; the real clock is looked at at least once a second).
    static func every(hostMs: Int64, on clock: HostClock, _ action: @escaping @LoopActor () -> Void) -> LoopTimer {
        let period = UInt64(max(20, min(1000, clock.wallMs(forHostMs: hostMs))))
        let t = LoopTimer()
        t.schedule(afterMs: period, repeatMs: period, action)
        return t
    }
}

/// A service that acts every so often on the loop (the controls at the
/// meter): `start` runs its `step` every `stepHostMs` of host time until `stop`.
@LoopActor
protocol PeriodicStep: AnyObject {
    var timer: LoopTimer? { get set }
    var stepClock: HostClock { get }
    var stepHostMs: Int64 { get }
    func step()
}

extension PeriodicStep {
    func start() {
        timer = .every(hostMs: stepHostMs, on: stepClock) { [unowned self] in step() }
    }

    func stop() {
        timer?.close()
        timer = nil
    }
}
