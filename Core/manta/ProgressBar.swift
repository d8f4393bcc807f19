import MantaIO

/// A one-line progress bar on standard error, shown only on a terminal and
/// only once a run has taken half a second.
final class ProgressBar: @unchecked Sendable {
    private let enabled: Bool
    private let start = WallClock.monotonicMs()
    private var shown = false

    init(enabled: Bool) { self.enabled = enabled }

    func update(_ fraction: Double) {
        guard enabled, WallClock.monotonicMs() - start > 500 else { return }
        shown = true
        let width = 40, filled = Int(fraction * Double(width))
        printError("\r[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
                   + "] \(Int(fraction * 100))%", newline: false)
    }

    func clear() {
        if shown { printError("\r" + String(repeating: " ", count: 60) + "\r", newline: false) }
    }
}
