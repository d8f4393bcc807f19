import MantaModel

/// Measures how fast devices follow their setpoints: from the moment a
/// setpoint is handed out to the first power reading within tolerance of
/// it. The dispatch cycle arms it per device; telemetry ingest shows it each
/// power sample while anything is armed (one comparison otherwise).
@LoopActor
final class ResponseWatch {
    private struct Armed {
        var sentMs: Int64
        var targetW: Double
        var toleranceW: Double
        /// Give up after this (host clock): the device did not follow.
        var untilMs: Int64
    }

    /// By device number (dense, as the registry numbers them).
    private var armed: [Armed?] = []
    /// The last measured response of each device, ms; -1 when none yet.
    private var lastResponseMs: [Int64] = []
    private(set) var open = 0

    /// Starts timing `device` towards `targetW` from `sentMs`.
    func arm(_ device: UInt32, targetW: Double, toleranceW: Double, sentMs: Int64, untilMs: Int64) {
        let i = Int(device)
        grow(to: i)
        if armed[i] == nil { open += 1 }
        armed[i] = Armed(sentMs: sentMs, targetW: targetW, toleranceW: toleranceW, untilMs: untilMs)
    }

    /// A power reading of `device`; ends its timing when it is on target.
    @inline(__always)
    func reading(_ device: UInt32, valueW: Double, timeMs: Int64) {
        let i = Int(device)
        guard i < armed.count, let a = armed[i], timeMs >= a.sentMs else { return }
        if abs(valueW - a.targetW) <= a.toleranceW {
            lastResponseMs[i] = timeMs - a.sentMs
            disarm(i)
        } else if timeMs > a.untilMs {
            disarm(i)
        }
    }

    /// The last measured response of `device`, ms.
    func responseMs(_ device: UInt32) -> Int64? {
        let i = Int(device)
        return i < lastResponseMs.count && lastResponseMs[i] >= 0 ? lastResponseMs[i] : nil
    }

    private func disarm(_ i: Int) {
        armed[i] = nil
        open -= 1
    }

    private func grow(to i: Int) {
        guard i >= armed.count else { return }
        let n = max(i + 1, armed.count * 2)
        armed += [Armed?](repeating: nil, count: n - armed.count)
        lastResponseMs += [Int64](repeating: -1, count: n - lastResponseMs.count)
    }
}
