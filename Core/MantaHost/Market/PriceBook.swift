import MantaABI
import MantaMarket

/// Every price the host has received, by region and interval end.
///
/// A firm price replaces a forecast for the same interval and a newer firm
/// price replaces an older one.
@LoopActor
final class PriceBook {
    private var byRegion: [String: [Int64: Price]] = [:]
    /// Interval ends per region, kept sorted for range queries.
    private var ends: [String: [Int64]] = [:]

    var regions: [String] { byRegion.keys.sorted() }

    /// Files `p`; returns false when an existing firm price was kept instead.
    @discardableResult
    func add(_ p: Price) -> Bool {
        if let old = byRegion[p.region]?[p.intervalEndMs], old.firm && !p.firm { return false }
        if byRegion[p.region]?[p.intervalEndMs] == nil {
            var list = ends[p.region, default: []]
            if let last = list.last, last > p.intervalEndMs {
                list.insert(p.intervalEndMs, at: PriceBook.lowerBound(list, p.intervalEndMs))
            } else {
                list.append(p.intervalEndMs)
            }
            ends[p.region] = list
        }
        byRegion[p.region, default: [:]][p.intervalEndMs] = p
        return true
    }

    func price(region: String, intervalEndMs: Int64) -> Price? { byRegion[region]?[intervalEndMs] }

    /// The `count` RRPs before the interval ending at `endMs`, oldest first,
    /// NaN where none is known.
    func history(region: String, before endMs: Int64, count: Int) -> [Double] {
        let table = byRegion[region] ?? [:]
        return (0..<count).map { k in
            table[endMs - Int64(count - k) * MarketTime.intervalMs]?.rrp ?? .nan
        }
    }

    /// Prices with interval ends in (from, to], oldest first, at most `limit`
    /// (the latest ones when more match).
    func range(region: String, fromMs: Int64, toMs: Int64, limit: Int) -> [Price] {
        guard let list = ends[region], let table = byRegion[region] else { return [] }
        // Saturating: a client may ask for (Int64.min, Int64.max].
        let lo = PriceBook.lowerBound(list, fromMs < .max ? fromMs + 1 : .max)
        let hi = toMs < .max ? PriceBook.lowerBound(list, toMs + 1) : list.count
        guard lo < hi else { return [] }
        return list[max(lo, hi - max(0, limit))..<hi].compactMap { table[$0] }
    }

    func count(region: String) -> Int { ends[region]?.count ?? 0 }
    func latest(region: String) -> Price? { ends[region]?.last.flatMap { byRegion[region]?[$0] } }

    static func lowerBound(_ a: [Int64], _ x: Int64) -> Int {
        var lo = 0, hi = a.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if a[mid] < x { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}
