import Glibc
import MantaABI

/// A learned forecaster: for each horizon, a ridge regression of the price
/// on what was known at the decision:
///
///     1, the time-of-day profile of the target interval,
///     the current price's deviation from its own profile,
///     the last hour's mean deviation, and the price 24 hours before the target,
///
/// fitted online with exponential forgetting. Features are stored when they
/// are computed and paired with their target only once the target price has
/// been seen, so training never uses anything from after a decision. Prices
/// are clipped to `clip` AUD/MWh inside the model so that a handful of
/// spikes do not decide every coefficient.
public final class RegressionForecaster: Forecaster {
    public struct Config: Sendable, Equatable {
        /// Half-life of the training data, in days.
        public var halfLifeDays = 7.0
        public var ridge = 1.0
        public var clip = 1000.0
        public var profile = SeasonalForecaster.Config()

        public init() {}
    }

    static let buckets = [1, 2, 3, 4, 6, 8, 12, 16, 24, 36, 48, 72, 96, 144, 192, 288]
    static let features = 5

    public let config: Config
    public var name: String { "regression" }
    private let profile: SeasonalForecaster
    private var profileForecast: [Double] = []
    private var memory = PriceMemory(capacity: 3 * 2016)
    /// Per bucket: X'X, X'y (weighted), and the features awaiting targets.
    private var xtx: [[Double]]
    private var xty: [[Double]]
    private var pending: [[(endMs: Int64, x: [Double])]]
    private var coefficients: [[Double]?]
    private var decisions = 0
    private let decay: Double

    public init(_ config: Config = Config()) {
        self.config = config
        profile = SeasonalForecaster(config.profile)
        let n = RegressionForecaster.features, b = RegressionForecaster.buckets.count
        xtx = Array(repeating: Array(repeating: 0, count: n * n), count: b)
        xty = Array(repeating: Array(repeating: 0, count: n), count: b)
        pending = Array(repeating: [], count: b)
        coefficients = Array(repeating: nil, count: b)
        decay = exp2(-1 / (config.halfLifeDays * 288))
    }

    private func clipped(_ p: Double) -> Double { max(-config.clip, min(config.clip, p)) }

    public func forecast(_ obs: Observation, horizon: Int, into out: inout [Double]) {
        memory.absorb(obs)
        // The profile for the next day, shifted so that index k-1 is interval k.
        profile.forecast(obs, horizon: 288, into: &profileForecast)
        let now = obs.intervalEndMs
        let nowProfile = profileForecast[287]  // the slot of now, as of today: the interval 24 h ahead shares it
        let deviation = clipped(obs.price) - clipped(nowProfile.isFinite ? nowProfile : obs.price)
        var hour = 0.0, hourCount = 0.0
        for k in 0..<12 {
            let p = memory.price(at: now - Int64(k) * 300_000)
            if p.isFinite { hour += clipped(p); hourCount += 1 }
        }
        let hourDeviation = hourCount > 0 ? hour / hourCount - clipped(nowProfile.isFinite ? nowProfile : obs.price) : 0

        train(now)
        decisions += 1
        if decisions % 12 == 1 { solve() }

        out.removeAll(keepingCapacity: true)
        for k in 1...max(1, horizon) where k <= horizon {
            let b = RegressionForecaster.bucket(k)
            let target = now + Int64(k) * 300_000
            let x = features(profile: profileForecast[min(k, 288) - 1], deviation: deviation, hour: hourDeviation,
                             yesterday: memory.price(at: target - 86_400_000))
            if k == RegressionForecaster.buckets[b] { pending[b].append((target, x)) }
            if let beta = coefficients[b], let p = x.first.map({ _ in zip(beta, x).reduce(0) { $0 + $1.0 * $1.1 } }), p.isFinite {
                out.append(p)
            } else {
                out.append(profileForecast[min(k, 288) - 1])
            }
        }
        // Keep learning the buckets beyond the asked horizon too.
        for (b, h) in RegressionForecaster.buckets.enumerated() where h > horizon {
            let target = now + Int64(h) * 300_000
            pending[b].append((target, features(profile: profileForecast[h - 1], deviation: deviation, hour: hourDeviation,
                                                yesterday: memory.price(at: target - 86_400_000))))
        }
    }

    private func features(profile p: Double, deviation: Double, hour: Double, yesterday: Double) -> [Double] {
        let prof = clipped(p.isFinite ? p : 0)
        return [1, prof, deviation, hour, clipped(yesterday.isFinite ? yesterday : prof)]
    }

    /// Adds every stored feature vector whose target is now known.
    private func train(_ now: Int64) {
        let n = RegressionForecaster.features
        for b in pending.indices {
            while let first = pending[b].first, first.endMs <= now {
                pending[b].removeFirst()
                let y = memory.price(at: first.endMs)
                guard y.isFinite else { continue }
                let t = clipped(y), x = first.x
                for i in 0..<n {
                    xty[b][i] = xty[b][i] * decay + x[i] * t
                    for j in 0..<n { xtx[b][i * n + j] = xtx[b][i * n + j] * decay + x[i] * x[j] }
                }
            }
        }
    }

    /// Solves each bucket's ridge normal equations (Gaussian elimination on
    /// a 5 x 5 system).
    private func solve() {
        let n = RegressionForecaster.features
        for b in xtx.indices {
            guard xtx[b][0] > 288 * 0.5 else { continue }  // about a day of data first
            var a = xtx[b], y = xty[b]
            for i in 1..<n { a[i * n + i] += config.ridge * max(1, xtx[b][0] / 1000) }
            var ok = true
            for c in 0..<n {
                let p = (c..<n).max { abs(a[$0 * n + c]) < abs(a[$1 * n + c]) }!
                if abs(a[p * n + c]) < 1e-12 { ok = false; break }
                if p != c {
                    for j in 0..<n { a.swapAt(c * n + j, p * n + j) }
                    y.swapAt(c, p)
                }
                for r in 0..<n where r != c {
                    let f = a[r * n + c] / a[c * n + c]
                    for j in c..<n { a[r * n + j] -= f * a[c * n + j] }
                    y[r] -= f * y[c]
                }
            }
            coefficients[b] = ok ? (0..<n).map { y[$0] / a[$0 * n + $0] } : nil
        }
    }

    static func bucket(_ h: Int) -> Int {
        var best = 0
        for (i, b) in buckets.enumerated() where abs(b - h) < abs(buckets[best] - h) { best = i }
        return best
    }
}

