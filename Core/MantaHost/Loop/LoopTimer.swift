import CLibUV

/// A libuv timer that calls a closure on the loop.
///
/// Loop-bound: created, scheduled, cancelled and closed on the loop only,
/// which the compiler checks.
@LoopActor
public final class LoopTimer {
    private let handle: UnsafeMutablePointer<uv_timer_t>
    private var action: (@LoopActor () -> Void)?
    private var closed = false

    public init() {
        handle = .allocate(capacity: 1)
        uv_timer_init(EventLoop.shared.uvLoop, handle)
        handle.pointee.data = Unmanaged.passUnretained(self).toOpaque()
    }

    /// Calls `action` after `delayMs` and then every `repeatMs` (0: once).
    /// Replaces any earlier schedule.
    public func schedule(afterMs delayMs: UInt64, repeatMs: UInt64 = 0, _ action: @escaping @LoopActor () -> Void) {
        guard !closed else { return }
        self.action = action
        uv_timer_start(handle, { h in
            LoopActor.assumeIsolated {
                Unmanaged<LoopTimer>.fromOpaque(h!.pointee.data).takeUnretainedValue().action?()
            }
        }, delayMs, repeatMs)
    }

    public func cancel() {
        uv_timer_stop(handle)
        action = nil
    }

    /// Stops the timer and frees the handle once libuv is done with it. The
    /// timer must not be used afterwards.
    public func close() {
        guard !closed else { return }
        closed = true
        cancel()
        uv_close(UnsafeMutableRawPointer(handle).assumingMemoryBound(to: uv_handle_t.self)) { h in
            h!.withMemoryRebound(to: uv_timer_t.self, capacity: 1) { $0.deallocate() }
        }
    }
}
