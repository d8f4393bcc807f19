/// Whether a value the host holds on a device must be sent again: when it
/// moved by more than `toleranceW`, or `refreshMs` has passed since it was
/// (so it is renewed before its validity lapses). A control that runs every
/// few seconds then writes a setpoint (and its store row) only when one is
/// needed, not every step.
struct ResendGate<Key: Hashable> {
    let toleranceW: Double
    let refreshMs: Int64
    private var sent: [Key: (w: Double, atMs: Int64)] = [:]

    init(toleranceW: Double, refreshMs: Int64) {
        self.toleranceW = toleranceW
        self.refreshMs = refreshMs
    }

    /// True (and `w` noted as sent) when `w` is to be sent now.
    mutating func due(_ key: Key, _ w: Double, nowMs now: Int64) -> Bool {
        if let s = sent[key], abs(s.w - w) <= toleranceW, now - s.atMs < refreshMs { return false }
        sent[key] = (w, now)
        return true
    }

    mutating func forget(_ key: Key) { sent[key] = nil }
}
