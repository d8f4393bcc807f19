import DequeModule
import MantaABI

/// The Model Arena on the live feed. Every contender decides every interval;
/// the champion's decision is what the fleet does, the others trade in
/// shadow on simulated copies of the fleet (the same physics and limits),
/// each seeing its own copy's state of charge. Each is scored by its
/// revenue per MW over a trailing window; a challenger takes over when it
/// beats the champion by the hysteresis margin after the champion has held
/// the fleet for its minimum tenure. Every switch is an event and an audit
/// entry (the host's to write).
///
/// Pure and deterministic; the host owns one per VPP on its loop.
public final class LiveArena {
    /// The switching rules.
    public struct Rules: Sendable, Equatable {
        public var windowIntervals: Int
        /// A challenger must beat the champion's score by this fraction.
        public var hysteresis: Double
        public var minTenureIntervals: Int

        public init(windowIntervals: Int, hysteresis: Double, minTenureIntervals: Int) {
            self.windowIntervals = windowIntervals
            self.hysteresis = hysteresis
            self.minTenureIntervals = minTenureIntervals
        }
    }

    public struct Contender: Sendable {
        public let name: String
        /// The caller's handle for it (the host: its plugin instance index).
        public let instance: Int
        /// Energy (Wh) of each member in this contender's shadow fleet.
        public internal(set) var shadow: [Double] = []
        /// Revenue of the last `window` intervals, oldest first.
        public internal(set) var recent = Deque<Double>()
        public internal(set) var total = 0.0
        public internal(set) var intervals = 0
        public internal(set) var failures = 0
        var pending: [Double]?
    }

    public struct Switch: Sendable, Equatable {
        public var atMs: Int64
        public var from: String
        public var to: String
        public var fromScore: Double
        public var toScore: Double
    }

    public let config: Rules
    public private(set) var contenders: [Contender]
    public private(set) var champion: Int
    public private(set) var championSinceMs: Int64 = 0
    public private(set) var tenure = 0
    /// The last 100 switches, oldest first.
    public private(set) var switches = Deque<Switch>()
    private var powerMW = 0.0

    public init(config: Rules, contenders: [(name: String, instance: Int)], champion: String) {
        self.config = config
        self.contenders = contenders.map { Contender(name: $0.name, instance: $0.instance) }
        self.champion = contenders.firstIndex { $0.name == champion } ?? 0
    }

    public var championName: String { contenders[champion].name }

    /// What contender `c` is shown: the real fleet for the champion, its own
    /// shadow fleet for a challenger.
    public func observation(for c: Int, _ real: Observation) -> Observation {
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

    public func answered(_ c: Int, _ targets: [Double]?) {
        contenders[c].pending = targets
        if targets == nil { contenders[c].failures += 1 }
    }

    /// Settles the interval for every contender and decides who is champion
    /// next. Returns the switch, if there was one.
    public func settle(_ obs: Observation, hours: Double) -> Switch? {
        for c in contenders.indices {
            if c == champion {
                // The champion's copy follows the real fleet.
                for (j, a) in obs.assets.enumerated() where a.soc.isFinite { contenders[c].shadow[j] = a.soc * a.capacityWh }
            }
            let targets = contenders[c].pending ?? []
            var revenue = 0.0
            for (j, a) in obs.assets.enumerated() {
                let limits = a.limits
                let s = Settlement.step(limits: limits, spec: limits.spec, energyWh: contenders[c].shadow[j],
                                        requestW: j < targets.count ? targets[j] : 0, hours: hours, price: obs.price)
                contenders[c].shadow[j] = s.energyWh
                revenue += s.revenueAUD
            }
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
    public func score(_ c: Int) -> Double {
        powerMW > 0 ? contenders[c].recent.reduce(0, +) / powerMW : 0
    }
}
