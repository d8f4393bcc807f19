import MantaABI

/// How far each asset may discharge or charge before its site passes a
/// network limit (ABI 1.5's site fields): the export limit bounds what the
/// site's storage may add to its export, the import cap what it may draw.
/// Assets on one site share its room in proportion to their ratings. The
/// site's flow without its storage is the meter's reading less the
/// storage's measured power, so the room does not count the storage twice.
///
/// Unbounded (+infinity) where the site, a limit or the meter is not known;
/// never below zero (a site already past its limit gets no room; the host
/// brings it back at the meter).
public enum SiteRoom {
    public struct Room: Sendable, Hashable {
        public var maxDischargeW: Double
        public var maxChargeW: Double

        public static let unbounded = Room(maxDischargeW: .infinity, maxChargeW: .infinity)
    }

    /// One room per asset, in order.
    public static func rooms(_ assets: [AssetState]) -> [Room] {
        var bySite: [String: [Int]] = [:]
        for (i, a) in assets.enumerated() { if let s = a.site { bySite[s.id, default: []].append(i) } }
        var rooms = [Room](repeating: .unbounded, count: assets.count)
        for members in bySite.values {
            guard let site = assets[members[0]].site, let grid = site.gridW else { continue }
            let storage = members.map { assets[$0].powerW.isFinite ? assets[$0].powerW : 0 }.reduce(0, +)
            let without = grid - storage  // + = the site exports without its storage
            let discharge = site.exportLimitW.map { max(0, $0 - without) } ?? .infinity
            let charge = site.importCapW.map { max(0, $0 + without) } ?? .infinity
            let dRatings = members.map { max(0, assets[$0].maxDischargeW) }, cRatings = members.map { max(0, assets[$0].maxChargeW) }
            let dTotal = dRatings.reduce(0, +), cTotal = cRatings.reduce(0, +)
            for (k, i) in members.enumerated() {
                rooms[i] = Room(maxDischargeW: share(discharge, dRatings[k], dTotal, members.count),
                                maxChargeW: share(charge, cRatings[k], cTotal, members.count))
            }
        }
        return rooms
    }

    private static func share(_ room: Double, _ rating: Double, _ total: Double, _ n: Int) -> Double {
        guard room.isFinite else { return room }
        return total > 0 ? room * rating / total : room / Double(n)
    }
}
