/// Whether a site's measured flows add up, and if not, which device most
/// likely reads wrong.
///
/// At the AC bus, what the inverters and batteries put in equals what the
/// loads take plus what the grid meter exports. With every load metered the
/// remainder must be zero; otherwise the remainder is the unmetered load,
/// which can be anything but negative. Inside a hybrid inverter, the AC
/// output cannot exceed PV plus battery (it would make energy), nor fall
/// short of it by more than conversion losses.
public enum EnergyBalance {
    public struct Tolerance: Sendable, Equatable {
        /// Never flag less than this (meters disagree by some watts).
        public var minimumW = 100.0
        /// Nor less than this share of the largest flow at the bus.
        public var fraction = 0.05
        /// Conversion losses a hybrid inverter may have, as a share of its DC input.
        public var maxLoss = 0.12

        public init() {}
    }

    /// One device's contribution to the bus: `sign` x value flows in.
    public struct Term: Sendable, Equatable {
        public var device: String
        public var point: String
        public var value: Double?
        public var sign: Double
    }

    public struct DCCheck: Sendable, Equatable {
        public var device: String
        public var dcIn: Double
        public var acOut: Double
    }

    public struct Verdict: Sendable, Equatable {
        public enum Status: String, Sendable { case ok, mismatch, unchecked }
        public var status: Status
        /// In minus out at the AC bus (the unmetered load when loads are not all metered).
        public var residualW: Double?
        /// How far outside what is plausible the site is, W (0 when ok).
        public var mismatchW: Double
        public var toleranceW: Double
        /// The device whose reading best explains the mismatch, and how.
        public var likelyDevice: String?
        public var explanation: String
    }

    public static func judge(terms: [Term], hasGridMeter: Bool, loadsMetered: Bool, dcChecks: [DCCheck],
                             tolerance: Tolerance) -> Verdict {
        // Hybrid inverters first: their check needs no meter.
        for c in dcChecks {
            let tol = max(tolerance.minimumW, tolerance.fraction * max(abs(c.dcIn), abs(c.acOut)))
            let excess = c.acOut - c.dcIn
            let loss = c.dcIn - c.acOut
            if excess > tol {
                return Verdict(status: .mismatch, residualW: nil, mismatchW: excess, toleranceW: tol, likelyDevice: c.device,
                               explanation: "\(c.device) puts out \(w(c.acOut)) W AC from \(w(c.dcIn)) W of PV and battery: \(w(excess)) W from nowhere")
            }
            if loss > tolerance.maxLoss * abs(c.dcIn) + tol {
                return Verdict(status: .mismatch, residualW: nil, mismatchW: loss - tolerance.maxLoss * abs(c.dcIn), toleranceW: tol,
                               likelyDevice: c.device,
                               explanation: "\(c.device) turns \(w(c.dcIn)) W of PV and battery into only \(w(c.acOut)) W AC")
            }
        }
        guard hasGridMeter else {
            return Verdict(status: .unchecked, residualW: nil, mismatchW: 0, toleranceW: 0, likelyDevice: nil,
                           explanation: "no grid meter on the site: the AC bus cannot be balanced")
        }
        let missing = terms.filter { $0.value == nil }.map(\.device)
        guard missing.isEmpty else {
            return Verdict(status: .unchecked, residualW: nil, mismatchW: 0, toleranceW: 0, likelyDevice: nil,
                           explanation: "no fresh ac.w from \(missing.joined(separator: ", "))")
        }
        let flows = terms.map { $0.sign * $0.value! }
        let residual = flows.reduce(0, +)
        let tol = max(tolerance.minimumW, tolerance.fraction * (flows.map(abs).max() ?? 0))
        func outside(_ r: Double) -> Double { loadsMetered ? max(0, abs(r) - tol) : max(0, -r - tol) }
        let off = outside(residual)
        guard off > 0 else {
            return Verdict(status: .ok, residualW: residual, mismatchW: 0, toleranceW: tol, likelyDevice: nil,
                           explanation: loadsMetered ? "balanced" : "balanced; unmetered load \(w(residual)) W")
        }
        // Which single wrong reading would explain it: a sign the wrong way
        // round (the contribution counted twice), or a value that should be zero.
        var best: (device: String, left: Double, rest: Double, how: String)?
        for (t, f) in zip(terms, flows) where f != 0 {
            for (r, how) in [(residual - 2 * f, "with its sign inverted"), (residual - f, "if it read 0")] {
                let left = outside(r)
                guard left < off else { continue }
                if best == nil || (left, abs(r)) < (best!.left, best!.rest) {
                    best = (t.device, left, abs(r), "its \(t.point) of \(w(t.value!)) W balances the site \(how)")
                }
            }
        }
        let summary = loadsMetered ? "in and out of the AC bus differ by \(w(residual)) W"
            : "the flows imply an unmetered load of \(w(residual)) W, which cannot be negative"
        return Verdict(status: .mismatch, residualW: residual, mismatchW: off, toleranceW: tol, likelyDevice: best?.device,
                       explanation: summary + (best.map { "; likely \($0.device): \($0.how)" } ?? "; no single device explains it"))
    }

    static func w(_ x: Double) -> String { String(Int(x.rounded())) }
}
