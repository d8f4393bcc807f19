import MantaABI

/// Predicts the prices of the coming intervals from what has been seen.
///
/// A forecaster is stateful: each call it takes in the observation (the
/// prices before the interval and the interval's own, which AEMO publishes
/// as it starts) and never anything later, so it cannot look ahead. The
/// no-look-ahead test changes every price after a decision and checks the
/// decision does not move.
public protocol Forecaster: AnyObject {
    var name: String { get }

    /// Forecast RRPs for the `horizon` intervals after the observed one
    /// (ends obs.intervalEndMs + 5 min, + 10 min, ...), written to `out`
    /// (resized to `horizon`). NaN where it has no idea. Throws when it
    /// cannot forecast at all (a model outside the process that failed);
    /// the built-in forecasters never throw.
    func forecast(_ obs: Observation, horizon: Int, into out: inout [Double]) throws
}

/// Every price a forecaster has been shown, by interval, on a regular grid
/// (NaN where an interval was never seen). Trimmed to `capacity` intervals.
public struct PriceMemory: Sendable {
    public private(set) var firstEndMs: Int64 = 0
    public private(set) var prices: [Double] = []
    public let capacity: Int

    public init(capacity: Int = 12 * 2016) { self.capacity = capacity }

    public var lastEndMs: Int64 { firstEndMs + Int64(max(0, prices.count - 1)) * 300_000 }

    /// Takes in an observation's history and its current price.
    public mutating func absorb(_ obs: Observation) {
        let step: Int64 = 300_000
        let count = obs.priceHistory.count
        if prices.isEmpty {
            firstEndMs = obs.intervalEndMs - Int64(count) * step
        }
        for (k, p) in obs.priceHistory.enumerated() {
            set(obs.intervalEndMs - Int64(count - k) * step, p)
        }
        set(obs.intervalEndMs, obs.price)
        if prices.count > capacity + capacity / 4 {
            let drop = prices.count - capacity
            prices.removeFirst(drop)
            firstEndMs += Int64(drop) * step
        }
    }

    private mutating func set(_ endMs: Int64, _ p: Double) {
        let i = Int((endMs - firstEndMs) / 300_000)
        guard i >= 0 else { return }
        if i >= prices.count { prices.append(contentsOf: repeatElement(.nan, count: i - prices.count + 1)) }
        if p.isFinite || prices[i].isNaN { prices[i] = p }
    }

    /// The price of the interval ending at `endMs`, or NaN.
    public func price(at endMs: Int64) -> Double {
        let i = (endMs - firstEndMs) / 300_000
        return i >= 0 && i < prices.count ? prices[Int(i)] : .nan
    }
}

/// Same interval yesterday: the forecast for each coming interval is the
/// price 24 hours before it (and a week before, where yesterday is unknown).
public final class PersistenceForecaster: Forecaster {
    public var name: String { "persistence" }
    private var memory = PriceMemory(capacity: 2 * 2016)

    public init() {}

    public func forecast(_ obs: Observation, horizon: Int, into out: inout [Double]) {
        memory.absorb(obs)
        out.removeAll(keepingCapacity: true)
        for k in 1...max(1, horizon) where k <= horizon {
            let end = obs.intervalEndMs + Int64(k) * 300_000
            var p = memory.price(at: end - 86_400_000)
            if p.isNaN { p = memory.price(at: end - 7 * 86_400_000) }
            out.append(p)
        }
    }
}
