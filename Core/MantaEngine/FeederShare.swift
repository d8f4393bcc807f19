/// A feeder group's export limit shared over its sites (Smart Feed-in):
/// the network operator limits what a whole feeder or transformer may take
/// back, and no one site may be starved to let another export everything.
///
/// The split is max-min fair (water-filling): a site that exports less than
/// an equal share is given what it uses plus a margin to grow into, and
/// what it leaves is shared equally by the sites its share holds back. The
/// shares never add up to more than the limit, whatever the readings.
///
/// It is fed what each site exported under its last share, so it follows
/// the sun as a site's margin becomes its share and the share binds.
public enum FeederShare {
    public struct Site: Sendable, Equatable {
        /// What the site exported at its meter under its last share, W; nil: not known.
        public var exportW: Double?
        /// Its last share, W; nil: none yet.
        public var shareW: Double?

        public init(exportW: Double?, shareW: Double?) {
            self.exportW = exportW
            self.shareW = shareW
        }

        /// Held back by its share (exporting at it, or nothing known yet):
        /// it may want more than it shows.
        var heldBack: Bool {
            guard let e = exportW, let s = shareW else { return true }
            return e >= s - max(FeederShare.toleranceW, 0.03 * s)
        }

        /// What a site its share does not hold back is given: what it uses
        /// and room to grow into.
        var want: Double {
            let e = max(0, exportW ?? 0)
            return e + max(FeederShare.marginW, 0.1 * e)
        }
    }

    /// Within this of its share a site counts as held back by it, W.
    public static let toleranceW = 50.0
    /// The least room a site not held back is given above its export, W.
    public static let marginW = 100.0

    /// Each site's share of `limitW` (>= 0), in the order given.
    public static func split(limitW: Double, _ sites: [Site]) -> [Double] {
        guard !sites.isEmpty else { return [] }
        let limit = limitW.isFinite ? max(0, limitW) : 0
        // Water-filling over the wants of the sites not held back, lowest
        // first; the held back ones want without bound.
        var order = sites.indices.filter { !sites[$0].heldBack }
        order.sort { sites[$0].want < sites[$1].want }
        var shares = [Double](repeating: 0, count: sites.count)
        var left = limit
        var open = sites.count
        var granted = Set<Int>()
        for i in order {
            let equal = left / Double(open)
            guard sites[i].want < equal else { break }
            shares[i] = sites[i].want
            left -= shares[i]
            open -= 1
            granted.insert(i)
        }
        let equal = open > 0 ? left / Double(open) : 0
        for i in sites.indices where !granted.contains(i) { shares[i] = equal }
        return shares
    }

    /// The share to send a site, given the one it has: a fall at once (the
    /// sum must stay under the limit), a rise only past the tolerance, so a
    /// share does not chase every reading. Never above `next`.
    public static func settled(previous: Double?, next: Double) -> Double {
        guard let previous, next >= previous, next <= previous + toleranceW else { return next }
        return previous
    }
}
