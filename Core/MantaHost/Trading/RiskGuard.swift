import MantaABI
import MantaEngine
import MantaIO
import MantaJSON
import MantaMarket

/// Between a strategy's decision and dispatch: every decision and every bid
/// passes here, and every interception is an event (`risk.intercept`) and
/// an audit row (principal `risk-guard`).
///
/// A decision is held back, in whole or per asset, when it asks for what
/// is not a power (NaN, infinite), more than a member's rating, more than
/// `max_jump_ratio` times the whole VPP's rating (a units slip), charging
/// above `buy_above` or discharging below `sell_below`, or a third sign of
/// the fleet's power within `flip_window_intervals` (`max_flips` flips);
/// and a move of the fleet's power beyond `max_ramp_fraction` of the VPP's
/// rating from the last decision is held to it (holding is always allowed).
/// Device limits, state of charge bands and export limits are then held
/// downstream as always (DispatchPlan, export control).
///
/// Circuit breakers: a VPP whose settled total over the trailing window
/// falls below -`max_loss_aud` (LossBreaker, the backtester's rule), or
/// whose strategy fails `max_strategy_errors` times in a row, holds (its
/// strategy's decisions are replaced by hold; operator instructions and
/// cleared bids still dispatch) and takes no new bids until risk.reset.
@LoopActor
final class RiskGuard {
    /// What the guard holds about one VPP.
    struct State {
        var breaker: LossBreaker?
        var errorsInARow = 0
        /// Why it tripped and when (host clock); nil: not tripped.
        var tripped: (reason: String, atMs: Int64)?
        /// Fleet signs of the last decisions (-1, 0, 1), newest last.
        var signs: [Int] = []
        /// The fleet power the last decision dispatched, W.
        var lastW = 0.0
        var interceptions: [String: Int] = [:]
        var lastInterception: String?
        /// Host time of the last risk.reset: intervals that ended before it
        /// were the operator's to review, and do not count again.
        var resetAtMs = Int64.min
    }

    let limits: HostConfig.Risk
    private let store: StorePipeline
    private let events: EventLog
    private let clock: HostClock
    private(set) var states: [String: State] = [:]

    init(limits: HostConfig.Risk, store: StorePipeline, events: EventLog, clock: HostClock) {
        self.limits = limits
        self.store = store
        self.events = events
        self.clock = clock
    }

    func state(_ vpp: String) -> State {
        states[vpp] ?? State(breaker: limits.maxLossAUD.map { LossBreaker(maxLossAUD: $0, windowIntervals: limits.lossWindowIntervals) })
    }

    /// True when `vpp`'s breaker has tripped.
    func tripped(_ vpp: String) -> (reason: String, atMs: Int64)? { states[vpp]?.tripped }

    // MARK: decisions

    /// Reviews a strategy's decision for `vpp`: returns the targets to
    /// dispatch (held where intercepted) and what was intercepted, if anything.
    func review(vpp: String, obs: Observation, targets: [Double]) -> (targets: [Double], note: String?) {
        var s = state(vpp)
        defer { states[vpp] = s }
        s.errorsInARow = 0
        if let t = s.tripped {
            s.lastW = 0
            record(&s, vpp: vpp, kind: "breaker", "\(MarketTime.format(obs.intervalEndMs)): breaker tripped (\(t.reason)): holding")
            return ([Double](repeating: 0, count: targets.count), "risk breaker tripped: \(t.reason); holding until risk.reset")
        }
        var out = targets, notes: [String] = []
        let when = MarketTime.format(obs.intervalEndMs)
        var ratingW = 0.0
        for (k, a) in obs.assets.enumerated() where k < out.count {
            let up = a.maxDischargeW.isFinite ? a.maxDischargeW : 0, down = a.maxChargeW.isFinite ? a.maxChargeW : 0
            ratingW += max(up, down)
            let w = out[k]
            if !w.isFinite {
                notes.append(intercept(&s, vpp: vpp, kind: "not_a_power", "\(when) \(a.id): \(w) W is not a power"))
                out[k] = 0
            } else if w > up * (1 + 1e-9) || -w > down * (1 + 1e-9) {
                notes.append(intercept(&s, vpp: vpp, kind: "over_rating", "\(when) \(a.id): \(w) W is beyond its rating (+\(up) / -\(down) W)"))
                out[k] = w > 0 ? up : -down
            }
        }
        let requested = targets.reduce(0.0) { $0 + ($1.isFinite ? abs($1) : 0) }
        if ratingW > 0, requested > limits.maxJumpRatio * ratingW {
            notes.append(intercept(&s, vpp: vpp, kind: "jump", "\(when): \(requested / 1e6) MW asked of a VPP rated \(ratingW / 1e6) MW: held"))
            out = [Double](repeating: 0, count: out.count)
        }
        let price = obs.price
        if price.isFinite, let buyAbove = limits.buyAbove, price > buyAbove, out.contains(where: { $0 < 0 }) {
            notes.append(intercept(&s, vpp: vpp, kind: "price_band", "\(when): charging at \(price) AUD/MWh, above buy_above \(buyAbove): held"))
            for k in out.indices where out[k] < 0 { out[k] = 0 }
        }
        if price.isFinite, let sellBelow = limits.sellBelow, price < sellBelow, out.contains(where: { $0 > 0 }) {
            notes.append(intercept(&s, vpp: vpp, kind: "price_band", "\(when): discharging at \(price) AUD/MWh, below sell_below \(sellBelow): held"))
            for k in out.indices where out[k] > 0 { out[k] = 0 }
        }
        var total = out.reduce(0, +)
        if let ramp = limits.maxRampFraction, ratingW > 0, total != 0, abs(total - s.lastW) > ramp * ratingW * (1 + 1e-9) {
            let allowed = s.lastW + (total > s.lastW ? 1 : -1) * ramp * ratingW
            notes.append(intercept(&s, vpp: vpp, kind: "ramp", "\(when): \((total - s.lastW) / 1e6) MW of ramp asked, more than \(ramp) of the VPP's \(ratingW / 1e6) MW: held to \(allowed / 1e6) MW"))
            // Scaled as asked where the direction holds; a reversal beyond the limit holds this interval.
            let scale = allowed * total > 0 ? allowed / total : 0
            for k in out.indices { out[k] *= scale }
            total = out.reduce(0, +)
        }
        let sign = total > 1e-9 ? 1 : total < -1e-9 ? -1 : 0
        let window = (s.signs + [sign]).suffix(limits.flipWindowIntervals).filter { $0 != 0 }
        let flips = zip(window, window.dropFirst()).filter { $0 != $1 }.count
        if sign != 0, flips >= limits.maxFlips {
            notes.append(intercept(&s, vpp: vpp, kind: "flip", "\(when): the fleet's sign flipped \(flips) times within \(limits.flipWindowIntervals) intervals: held"))
            out = [Double](repeating: 0, count: out.count)
        }
        s.signs.append(out.contains { $0 != 0 } ? sign : 0)
        s.lastW = out.reduce(0, +)
        if s.signs.count > 288 { s.signs.removeFirst(s.signs.count - 288) }
        return (out, notes.isEmpty ? nil : "risk: " + notes.joined(separator: "; "))
    }

    /// A strategy failed to decide for `vpp`; enough in a row trips its breaker.
    func strategyFailed(vpp: String, _ message: String) {
        var s = state(vpp)
        defer { states[vpp] = s }
        guard s.tripped == nil else { return }
        s.errorsInARow += 1
        if s.errorsInARow >= limits.maxStrategyErrors {
            trip(&s, vpp: vpp, "its strategy failed \(s.errorsInARow) times in a row (last: \(message))")
        }
    }

    // MARK: bids and settlement

    /// Why a bid of `vpp` may not be lodged, or nil; a refusal is recorded.
    func reviewBid(vpp: String, _ v: BidValidation.Valid) -> String? {
        var s = state(vpp)
        defer { states[vpp] = s }
        if let t = s.tripped { return refuse(&s, vpp: vpp, "vpp: its risk breaker has tripped (\(t.reason)): no bids until risk.reset") }
        let offered = { (band: Int) in v.intervals.contains { $0.mw[band] > 0 } }
        for (k, price) in v.bands.enumerated() where offered(k) {
            if v.side == .load, let buyAbove = limits.buyAbove, price > buyAbove {
                return refuse(&s, vpp: vpp, "bands[\(k)]: a load bid at \(price) AUD/MWh is above buy_above \(buyAbove)")
            }
            if v.side == .generation, let sellBelow = limits.sellBelow, price < sellBelow {
                return refuse(&s, vpp: vpp, "bands[\(k)]: a generation offer at \(price) AUD/MWh is below sell_below \(sellBelow)")
            }
        }
        return nil
    }

    /// Counts a bid the desk refused before the guard saw it (a
    /// validation failure: past interval, over cap, over capacity).
    func bidRefused(vpp: String, _ why: String) {
        var s = state(vpp)
        _ = refuse(&s, vpp: vpp, why)
        states[vpp] = s
    }

    /// An interval of `row.vpp` settled: its loss breaker counts it.
    func settled(_ row: SettlementRow) {
        var s = state(row.vpp)
        defer { states[row.vpp] = s }
        guard s.breaker != nil, row.intervalEndMs > s.resetAtMs else { return }
        if s.breaker!.record(totalAUD: row.totalAUD, intervalEndMs: row.intervalEndMs) {
            let lost = -(s.breaker!.trippedAtAUD ?? 0)
            trip(&s, vpp: row.vpp, "lost \(lost) AUD over the last \(limits.lossWindowIntervals) intervals, more than max_loss_aud \(limits.maxLossAUD ?? 0)")
        }
    }

    /// risk.reset: clears the breaker and the error count.
    func reset(vpp: String) -> Bool {
        var s = state(vpp)
        let was = s.tripped != nil
        s.tripped = nil
        s.errorsInARow = 0
        s.breaker?.reset()
        s.signs = []
        s.lastW = 0
        s.resetAtMs = clock.nowMs()
        states[vpp] = s
        events.record(.info, source: vpp, kind: "risk.reset", was ? "breaker reset: dispatching again" : "reset (was not tripped)")
        return was
    }

    // MARK: records

    private func trip(_ s: inout State, vpp: String, _ reason: String) {
        s.tripped = (reason, clock.nowMs())
        events.record(.error, source: vpp, kind: "risk.breaker", "breaker tripped: \(reason); holding until risk.reset")
        audit(vpp: vpp, kind: "breaker", reason)
    }

    private func refuse(_ s: inout State, vpp: String, _ why: String) -> String {
        _ = intercept(&s, vpp: vpp, kind: "bid", why)
        return why
    }

    @discardableResult
    private func intercept(_ s: inout State, vpp: String, kind: String, _ detail: String) -> String {
        record(&s, vpp: vpp, kind: kind, detail)
        events.record(.warning, source: vpp, kind: "risk.intercept", "\(kind): \(detail)")
        audit(vpp: vpp, kind: kind, detail)
        return detail
    }

    private func record(_ s: inout State, vpp: String, kind: String, _ detail: String) {
        s.interceptions[kind, default: 0] += 1
        s.lastInterception = detail
    }

    private func audit(vpp: String, kind: String, _ detail: String) {
        let params = JSON.object(JSONObject([("vpp", .string(vpp)), ("kind", .string(kind)), ("detail", .string(detail))]))
        let row = AuditRow(tMs: WallClock.nowMs(), principal: "risk-guard", peer: "host", method: "risk.intercept",
                           params: params.serialized(), outcome: "intercepted")
        store.add { $0.audits.append(row) }
    }
}
