import CLibUV
import Glibc

/// SIGINT and SIGTERM, watched on the loop: the first begins an orderly
/// shutdown, a second exits at once.
@LoopActor
final class SignalWatch {
    private var handles: [UnsafeMutablePointer<uv_signal_t>] = []
    private let onSignal: @LoopActor (String) -> Void
    private let logger: Logger
    private var signalled = false

    init(logger: Logger, onSignal: @escaping @LoopActor (String) -> Void) {
        self.logger = logger
        self.onSignal = onSignal
    }

    func start() {
        for signo in [SIGINT, SIGTERM] {
            let h = UnsafeMutablePointer<uv_signal_t>.allocate(capacity: 1)
            uv_signal_init(EventLoop.shared.uvLoop, h)
            h.pointee.data = Unmanaged.passUnretained(self).toOpaque()
            uv_signal_start(h, { h, signo in
                LoopActor.assumeIsolated {
                    Unmanaged<SignalWatch>.fromOpaque(h!.pointee.data).takeUnretainedValue().received(signo)
                }
            }, signo)
            handles.append(h)
        }
    }

    private func received(_ signo: Int32) {
        if signalled {
            logger.warn("host", "second signal: exiting at once")
            exit(130)
        }
        signalled = true
        onSignal(signo == SIGINT ? "SIGINT" : "SIGTERM")
    }

    func close() {
        for h in handles {
            uv_close(UnsafeMutableRawPointer(h).assumingMemoryBound(to: uv_handle_t.self)) { h in
                h?.withMemoryRebound(to: uv_signal_t.self, capacity: 1) { $0.deallocate() }
            }
        }
        handles = []
    }
}
