import MantaIO
import MantaJSON
import MantaKit
import MarketKit
import MantaMarket
import MantaMarketFiles
import MantaSDK

/// Replays AEMO PRICE_AND_DEMAND files on the host clock and serves ranges.
///
/// An interval's price is published the moment the interval starts on the
/// host clock: that is when AEMO's dispatch run for it has produced the
/// price, and no earlier, so a replay never shows a strategy the future.
/// Under a replay clock running N times faster, the files replay N times
/// faster.
final class NemFileMarket: MarketPlugin {
    private let host: PluginHost
    private let series: PriceFile
    private let historyIntervals: Int
    /// Index of the next interval to publish.
    private var next = 0
    private var running = false
    private var reportedEnd = false

    init(host: PluginHost, config json: JSON) throws(PluginError) {
        self.host = host
        let config = try NemFileConfig(json)
        let region = config.region
        do {
            series = try PriceFileLoader.load(config.files, region: region)
        } catch {
            throw .config("files: \(error)")
        }
        historyIntervals = config.historyIntervals
        for gap in series.gaps { host.log(.warn, "gap in price data: \(gap)") }
        host.log(.info, "\(series.points.count) \(region.code) intervals, \(MarketTime.format(series.points[0].intervalEndMs)) to \(MarketTime.format(series.points[series.points.count - 1].intervalEndMs)) (interval ends, market time)")
    }

    func start() throws(PluginError) {
        running = true
        let now = host.nowMs
        // Catch up: recent history first, so strategies start with context.
        let started = firstNotStarted(at: now)
        next = max(0, started - historyIntervals)
        publishStarted(at: now)
    }

    func stop() { running = false }

    func onCallback() {
        guard running else { return }
        publishStarted(at: host.nowMs)
    }

    /// Index of the first interval that has not started at `now`.
    private func firstNotStarted(at now: Int64) -> Int {
        lowerBound { $0.intervalEndMs - MarketTime.intervalMs > now }
    }

    /// Index of the first point satisfying `isAfter` (which must flip once).
    private func lowerBound(_ isAfter: (PricePoint) -> Bool) -> Int {
        var lo = 0, hi = series.points.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if isAfter(series.points[mid]) { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }

    private func publishStarted(at now: Int64) {
        let end = firstNotStarted(at: now)
        if end > next {
            host.publishPrices(series.points[next..<end].map(price))
            next = end
        }
        if next < series.points.count {
            let startsAt = series.points[next].intervalEndMs - MarketTime.intervalMs
            host.requestCallback(afterMs: max(0, startsAt - now))
        } else if !reportedEnd {
            reportedEnd = true
            host.log(.info, "replay reached the end of the data (\(MarketTime.format(series.points[series.points.count - 1].intervalEndMs)))")
        }
    }

    private func price(_ p: PricePoint) -> Price {
        Price(intervalEndMs: p.intervalEndMs, region: p.region.code, rrp: p.rrp, demandMW: p.demandMW, fcas: p.fcas.values)
    }

    func fetchPrices(region: String, fromMs: Int64, toMs: Int64, deliver: ([Price]) -> Bool) throws(PluginError) {
        guard Region(code: region) == series.region else {
            throw .invalid("this connector serves \(series.region.code), not \(region)")
        }
        // The replay reveals no interval that has not started on the host clock.
        let lo = lowerBound { $0.intervalEndMs > fromMs }
        let hi = min(lowerBound { $0.intervalEndMs > toMs }, firstNotStarted(at: host.nowMs))
        var i = lo
        while i < hi {
            let j = min(hi, i + 4096)
            guard deliver(series.points[i..<j].map(price)) else { return }
            i = j
        }
    }

    /// Clears a bid against the recorded price, as the market would have
    /// (PriceTakerClearing). A bid for an interval that has not started yet
    /// is only lodged: the replay does not reveal the future.
    func submitBid(_ bid: Bid) -> BidOutcome {
        if let refusal = PriceTakerClearing.refusal(bid) { return BidOutcome(.rejected, refusal) }
        guard Region(code: bid.region) == series.region else {
            return BidOutcome(.rejected, "this connector trades \(series.region.code), not \(bid.region)")
        }
        guard bid.intervalEndMs - MarketTime.intervalMs <= host.nowMs else {
            return BidOutcome(.accepted, "lodged for \(MarketTime.format(bid.intervalEndMs))")
        }
        let i = lowerBound { $0.intervalEndMs >= bid.intervalEndMs }
        guard i < series.points.count, series.points[i].intervalEndMs == bid.intervalEndMs else {
            return BidOutcome(.rejected, "no price for the interval ending \(MarketTime.format(bid.intervalEndMs))")
        }
        return PriceTakerClearing.clear(bid, at: series.points[i])
    }
}
