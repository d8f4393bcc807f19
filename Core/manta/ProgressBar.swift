import Glibc
import MantaIO
import Synchronization

/// A one-line progress display on standard error, shown only on a terminal
/// and only once a run has taken half a second: what the run is doing, a
/// bar when the fraction done is known, and the seconds so far. A thread of
/// its own redraws it, so it moves even while the work reports nothing
/// (loading a year of prices, contenders that report only at the end).
final class ProgressBar: Sendable {
    private let enabled: Bool
    private let label: String
    private let start = WallClock.monotonicMs()
    /// Fraction done in thousandths, or -1 while unknown.
    private let permille = Atomic<Int>(-1)
    private let stopped = Atomic<Bool>(false)
    private let shown = Atomic<Bool>(false)
    private let ticker: Worker?

    /// `enabled`: the caller's choice (no bar with --json, or when stderr is
    /// not a terminal: `ProgressBar.onTerminal`).
    init(enabled: Bool, label: String = "") {
        self.enabled = enabled
        self.label = label
        ticker = enabled ? Worker(name: "progress") : nil
        ticker?.submit { [self] in
            while !stopped.load(ordering: .relaxed) {
                draw()
                usleep(200_000)
            }
        }
    }

    /// Whether standard error is a terminal.
    static var onTerminal: Bool { isatty(2) == 1 }

    /// [any] Sets the fraction done (0...1); the next redraw shows it.
    func update(_ fraction: Double) {
        permille.store(Int(max(0, min(1, fraction)) * 1000), ordering: .relaxed)
    }

    /// [any, once] Stops redrawing and erases the line if it was drawn.
    func clear() {
        stopped.store(true, ordering: .relaxed)
        ticker?.join()
        if shown.load(ordering: .relaxed) { printError("\r" + String(repeating: " ", count: 72) + "\r", newline: false) }
    }

    private func draw() {
        let elapsed = WallClock.monotonicMs() - start
        guard enabled, elapsed > 500 else { return }
        shown.store(true, ordering: .relaxed)
        var line = "\r" + (label.isEmpty ? "" : label + " ")
        let done = permille.load(ordering: .relaxed)
        if done >= 0 {
            let width = 30, filled = done * width / 1000
            line += "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] \(done / 10)% "
        }
        line += "\(elapsed / 1000) s "
        printError(line, newline: false)
    }
}
