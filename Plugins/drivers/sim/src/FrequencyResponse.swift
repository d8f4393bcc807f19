import MantaEngine
import MantaKit

/// The homes' frequency controllers: what the host enabled each battery
/// for (raise and lower response setpoints) and what that makes it do at
/// the frequency it measures. The controller answers the reading of
/// `response_ms` ago, so a change of frequency shows in the power that
/// much later.
struct FrequencyResponse {
    /// An enablement in force between `fromMs` and `untilMs`.
    struct Enablement {
        var valueW: Double
        var fullHz: Double
        var fromMs: Int64
        var untilMs: Int64

        func inForce(at t: Int64) -> Bool { t >= fromMs && t < untilMs && valueW > 0 }
    }

    var source: FrequencySource
    private var raise: [Enablement?]
    private var lower: [Enablement?]

    init(source: FrequencySource, homes: Int) {
        self.source = source
        raise = Array(repeating: nil, count: homes)
        lower = Array(repeating: nil, count: homes)
    }

    private var lagMs: Int64 { source.config.responseMs }

    /// Takes a raise or lower response setpoint for `home`, whose battery
    /// can swing by `swingW` (its charge and discharge ratings together).
    mutating func take(_ sp: Setpoint, home: Int, swingW: Double) -> SetpointOutcome {
        guard sp.value.isFinite, sp.value >= 0 else {
            return SetpointOutcome(.rejected, applied: .nan, "\(sp.mode.name) takes a non-negative W")
        }
        if sp.fullResponseHz.isFinite, !(sp.fullResponseHz > 0.15 && sp.fullResponseHz <= 3) {
            return SetpointOutcome(.rejected, applied: .nan, "full_response_hz \(sp.fullResponseHz) is outside (0.15, 3] Hz")
        }
        let value = min(sp.value, swingW)
        let e = Enablement(valueW: value, fullHz: sp.fullResponseHz.isFinite ? sp.fullResponseHz : source.config.fullResponseHz,
                           fromMs: sp.validFromMs, untilMs: sp.validUntilMs)
        if sp.mode == .raiseResponse { raise[home] = e } else { lower[home] = e }
        return value == sp.value ? SetpointOutcome(.applied, applied: value)
            : SetpointOutcome(.clamped, applied: value, "limited to the battery's charge and discharge ratings together")
    }

    /// Whether `home` is enabled either way at `t`.
    func active(_ home: Int, at t: Int64) -> Bool {
        raise[home]?.inForce(at: t) == true || lower[home]?.inForce(at: t) == true
    }

    /// The power `home`'s controller adds at `t`, W (+ = more output): the
    /// side the frequency is on answers, with its own enablement and droop.
    func extraW(_ home: Int, at t: Int64) -> Double {
        guard active(home, at: t) else { return 0 }
        let f = source.frequency(atMs: t - lagMs)
        if f < FrequencyDroop.band.lowerBound, let r = raise[home], r.inForce(at: t) {
            return r.valueW * FrequencyDroop.share(at: f, raise: true, fullResponseHz: r.fullHz)
        }
        if f > FrequencyDroop.band.upperBound, let l = lower[home], l.inForce(at: t) {
            return -l.valueW * FrequencyDroop.share(at: f, raise: false, fullResponseHz: l.fullHz)
        }
        return 0
    }

    /// The next instant after `t` at which `home`'s response may change: a
    /// new trace second reaching the controller, or an enablement starting
    /// or ending. nil when it is not enabled and none starts later.
    func nextChangeMs(_ home: Int, after t: Int64) -> Int64? {
        var next: Int64?
        func consider(_ x: Int64) { if x > t { next = min(next ?? x, x) } }
        for e in [raise[home], lower[home]].compactMap({ $0 }) where e.valueW > 0 {
            consider(e.fromMs)
            consider(e.untilMs)
        }
        if active(home, at: t) { consider(source.nextStepMs(after: t - lagMs) + lagMs) }
        return next
    }

    /// The frequency the batteries measure at `t`, Hz.
    func frequency(atMs t: Int64) -> Double { source.frequency(atMs: t) }
}
