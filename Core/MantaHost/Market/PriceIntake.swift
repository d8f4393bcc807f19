import MantaABI
import MantaMarket

/// Where published prices land on the loop: each is checked (region, the
/// 5-minute grid, the market floor and the financial year's cap), filed in
/// the price book and queued for the store, and the dispatch cycle is told,
/// since a VPP decides its interval as soon as the interval's price is in.
@LoopActor
final class PriceIntake {
    private let book: PriceBook
    private let store: StorePipeline
    private let events: EventLog
    private let cycle: DispatchCycle
    /// Told of the prices filed, before the dispatch cycle (settlement
    /// settles again what a revised price changes).
    var onFiled: (([Price]) -> Void)?

    init(book: PriceBook, store: StorePipeline, events: EventLog, cycle: DispatchCycle) {
        self.book = book
        self.store = store
        self.events = events
        self.cycle = cycle
    }

    /// Files valid prices from `source`; refuses the rest with a reason.
    func accept(_ prices: [Price], from source: String) {
        var regions = Set<String>()
        var rows: [PriceRow] = []
        for p in prices {
            if let problem = Self.problem(p) {
                events.record(.warning, source: source, kind: "market.price", "refused: \(problem)")
                continue
            }
            if book.add(p) {
                regions.insert(p.region)
                rows.append(PriceRow(price: p, source: source))
            }
        }
        store.add { $0.prices += rows }
        if !rows.isEmpty { onFiled?(rows.map(\.price)) }
        for r in regions.sorted() { cycle.priceArrived(region: r) }
    }

    /// Why `p` cannot be filed, or nil.
    nonisolated static func problem(_ p: Price) -> String? {
        guard Region(code: p.region) != nil else { return "unknown region '\(p.region)'" }
        guard p.intervalEndMs % MarketTime.intervalMs == 0 else {
            return "\(p.region) interval end \(p.intervalEndMs) is not on the 5-minute grid"
        }
        guard p.rrp.isFinite, p.rrp >= MarketLimits.floor else {
            return "\(p.region) \(MarketTime.format(p.intervalEndMs)): RRP \(p.rrp) is below the floor or not finite"
        }
        let cap = MarketLimits.cap(intervalEndMs: p.intervalEndMs)
        if let cap, p.rrp > cap {
            return "\(p.region) \(MarketTime.format(p.intervalEndMs)): RRP \(p.rrp) is above the market price cap \(cap)"
        }
        guard p.fcas.isEmpty || p.fcas.count == Price.fcasCount else { return "\(p.region): \(p.fcas.count) FCAS prices" }
        // FCAS clears between 0 and the same market price cap as energy.
        for (service, v) in zip(FCASService.allCases, p.fcas) where !v.isNaN {
            guard v.isFinite, v >= 0, v <= (cap ?? MarketLimits.highestCap) else {
                return "\(p.region) \(MarketTime.format(p.intervalEndMs)): \(service.name) price \(v) is outside 0 to the market price cap"
            }
        }
        return nil
    }
}
