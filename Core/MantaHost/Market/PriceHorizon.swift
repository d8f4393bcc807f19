import MantaMarket

/// How far into the market a caller may see on this host's clock.
///
/// An interval's dispatch price is published as the interval starts, so at
/// host time `now` the latest price anyone can know is the one of the
/// interval containing `now`. Under a replay clock the data files hold the
/// whole day ahead; the horizon keeps every API call, strategy and
/// connector to what a live host would have known. Under the wall clock the
/// market itself is the horizon (a feed cannot publish ahead of it), and
/// forecasts a connector publishes for later intervals stay visible.
extension HostClock {
    /// True for a replay clock.
    var isReplay: Bool {
        if case .replay = mode { return true }
        return false
    }

    /// The last interval end a caller may see: that of the interval
    /// containing now under replay, unbounded under the wall clock.
    func priceHorizonMs() -> Int64 {
        isReplay ? MarketTime.intervalEnd(containing: nowMs()) : .max
    }
}
