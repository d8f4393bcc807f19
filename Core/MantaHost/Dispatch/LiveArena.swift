import MantaEngine
import MantaJSON
import MantaMarket
import MantaModel

/// The Model Arena on the live feed. Every contender decides every interval;
/// the champion's decision is what the fleet does, the others trade in
/// shadow on simulated copies of the fleet (the same physics and limits),
/// each seeing its own copy's state of charge. Each is scored by its
/// revenue per MW over a trailing window; a challenger takes over when it
/// beats the champion by the hysteresis margin after the champion has held
/// the fleet for its minimum tenure. Every switch is an event and an audit
/// entry.
///
/// [loop] Confined to the loop thread.
final class LiveArena {
    struct Contender {
        let name: String
        let instance: Int
        /// Energy (Wh) of each member in this contender's shadow fleet.
        var shadow: [Double] = []
        /// Revenue of the last `window` intervals, oldest first.
        var recent: [Double] = []
        var total = 0.0
        var intervals = 0
        var failures = 0
        var pending: [Double]?
    }

    struct Switch: Sendable {
        var atMs: Int64
        var from: String
        var to: String
        var fromScore: Double
        var toScore: Double
    }

    let config: HostConfig.Arena
    private(set) var contenders: [Contender]
    private(set) var champion: Int
    private(set) var championSinceMs: Int64 = 0
    private(set) var tenure = 0
    private(set) var switches: [Switch] = []
    private var powerMW = 0.0

    init(config: HostConfig.Arena, contenders: [(name: String, instance: Int)], champion: String) {
        self.config = config
        self.contenders = contenders.map { Contender(name: $0.name, instance: $0.instance) }
        self.champion = contenders.firstIndex { $0.name == champion } ?? 0
    }

    var championName: String { contenders[champion].name }

    /// What contender `c` is shown: the real fleet for the champion, its own
    /// shadow fleet for a challenger.
    func observation(for c: Int, _ real: StrategyObservation) -> StrategyObservation {
        if contenders[c].shadow.count != real.assets.count {
            contenders[c].shadow = real.assets.map { a in
                (a.soc.isFinite ? a.soc : (a.socMin + a.socMax) / 2) * a.capacityWh
            }
            powerMW = real.assets.reduce(0) { $0 + max($1.maxChargeW, $1.maxDischargeW) } / 1e6
        }
        guard c != champion else { return real }
        var o = real
        for j in o.assets.indices { o.assets[j].soc = contenders[c].shadow[j] / max(1, o.assets[j].capacityWh) }
        return o
    }

    func answered(_ c: Int, _ targets: [Double]?) {
        contenders[c].pending = targets
        if targets == nil { contenders[c].failures += 1 }
    }

    /// Settles the interval for every contender and decides who is champion
    /// next. Returns the switch, if there was one.
    func settle(_ obs: StrategyObservation, hours: Double) -> Switch? {
        for c in contenders.indices {
            if c == champion {
                // The champion's copy follows the real fleet.
                for (j, a) in obs.assets.enumerated() where a.soc.isFinite { contenders[c].shadow[j] = a.soc * a.capacityWh }
            }
            let targets = contenders[c].pending ?? []
            var revenue = 0.0
            for (j, a) in obs.assets.enumerated() {
                var view = a
                view.soc = contenders[c].shadow[j] / max(1, a.capacityWh)
                let (value, _) = view.limits.enforce(j < targets.count ? targets[j] : 0, hours: hours)
                let (p, e) = view.limits.spec.step(energyWh: contenders[c].shadow[j], requestW: value, hours: hours)
                contenders[c].shadow[j] = e
                revenue += obs.price * p / 1e6 * hours
            }
            if !obs.price.isFinite { revenue = 0 }
            contenders[c].recent.append(revenue)
            if contenders[c].recent.count > config.windowIntervals { contenders[c].recent.removeFirst() }
            contenders[c].total += revenue
            contenders[c].intervals += 1
            contenders[c].pending = nil
        }
        tenure += 1
        if championSinceMs == 0 { championSinceMs = obs.intervalEndMs }
        guard tenure >= config.minTenureIntervals else { return nil }
        let champ = score(champion)
        guard let best = contenders.indices.filter({ $0 != champion }).max(by: { score($0) < score($1) }),
              score(best) > champ + config.hysteresis * abs(champ), score(best) > champ
        else { return nil }
        let s = Switch(atMs: obs.intervalEndMs, from: contenders[champion].name, to: contenders[best].name,
                       fromScore: champ, toScore: score(best))
        champion = best
        championSinceMs = obs.intervalEndMs
        tenure = 0
        switches.append(s)
        if switches.count > 100 { switches.removeFirst() }
        return s
    }

    /// Trailing revenue per MW.
    func score(_ c: Int) -> Double {
        powerMW > 0 ? contenders[c].recent.reduce(0, +) / powerMW : 0
    }

    var leaderboard: [JSON] {
        contenders.indices.sorted { score($0) > score($1) }.map { c in
            let x = contenders[c]
            return .object(JSONObject([
                ("strategy", .string(x.name)), ("champion", .bool(c == champion)),
                ("trailing_revenue_aud", .number((x.recent.reduce(0, +) * 100).rounded() / 100)),
                ("trailing_revenue_per_mw", .number((score(c) * 100).rounded() / 100)),
                ("window_intervals", .int(x.recent.count)),
                ("total_revenue_aud", .number((x.total * 100).rounded() / 100)),
                ("intervals", .int(x.intervals)), ("failures", .int(x.failures)),
            ]))
        }
    }
}
