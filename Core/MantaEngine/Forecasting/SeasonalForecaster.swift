import MantaABI

/// A time-of-day profile: the forecast for an interval is a quantile (or the
/// mean) of the prices at the same time of day over the last `days` days,
/// or, by weekday, at the same time on the same weekday over the last
/// `weeks` weeks.
///
/// Each interval only the slot that has just been priced changes, so the
/// profile is kept per slot and updated one slot at a time: a forecast is
/// table lookups.
public final class SeasonalForecaster: Forecaster {
    public struct Config: Sendable, Equatable {
        /// Same weekday (true) or every day (false).
        public var byWeekday = false
        /// Occurrences of the slot to look back over: weeks by weekday, else days.
        public var lookback = 14
        /// 0...1 for a quantile; nil for the mean (which keeps spikes' weight).
        public var quantile: Double? = 0.5

        public init() {}
    }

    public let config: Config
    public var name: String { "seasonal" }
    private var memory: PriceMemory
    private var profile: [Double]
    private var lastUpdated: Int64 = .min
    private var scratch: [Double] = []

    public init(_ config: Config = Config()) {
        self.config = config
        let period = config.byWeekday ? 7 : 1
        memory = PriceMemory(capacity: (config.lookback + 1) * period * 288)
        profile = [Double](repeating: .nan, count: period * 288)
    }

    private var periodMs: Int64 { (config.byWeekday ? 7 : 1) * 86_400_000 }

    /// Profile slot of the interval ending at `endMs` (market time).
    private func slot(_ endMs: Int64) -> Int {
        let start = endMs - 300_000 + 36_000_000  // UTC+10
        let day = Int64(86_400_000)
        let inDay = Int(((start % day) + day) % day / 300_000)
        guard config.byWeekday else { return inDay }
        let weekday = Int((((start / day) % 7) + 7) % 7)  // 1970-01-01 was a Thursday: 0 = Thursday
        return weekday * 288 + inDay
    }

    /// Recomputes the profile of the slot the interval ending at `endMs` is in.
    private func update(_ endMs: Int64) {
        scratch.removeAll(keepingCapacity: true)
        for k in 0..<config.lookback {
            let p = memory.price(at: endMs - Int64(k) * periodMs)
            if p.isFinite { scratch.append(p) }
        }
        guard !scratch.isEmpty else { return }
        if let q = config.quantile {
            scratch.sort()
            let x = q * Double(scratch.count - 1)
            let i = Int(x), w = x - Double(i)
            profile[slot(endMs)] = i + 1 < scratch.count ? scratch[i] * (1 - w) + scratch[i + 1] * w : scratch[i]
        } else {
            profile[slot(endMs)] = scratch.reduce(0, +) / Double(scratch.count)
        }
    }

    /// Takes in an observation without forecasting: keeps the profile
    /// current while another forecaster is in use.
    public func absorb(_ obs: Observation) {
        memory.absorb(obs)
        if lastUpdated == .min {
            // First call: build every slot from the history shown.
            for k in 0..<min(profile.count, obs.priceHistory.count + 1) { update(obs.intervalEndMs - Int64(k) * 300_000) }
        } else {
            var end = lastUpdated + 300_000
            while end <= obs.intervalEndMs {
                update(end)
                end += 300_000
            }
        }
        lastUpdated = obs.intervalEndMs
    }

    public func forecast(_ obs: Observation, horizon: Int, into out: inout [Double]) {
        absorb(obs)
        out.removeAll(keepingCapacity: true)
        for k in 1...max(1, horizon) where k <= horizon {
            out.append(profile[slot(obs.intervalEndMs + Int64(k) * 300_000)])
        }
    }
}
