import Testing
@testable import MantaEngine

@Suite("A feeder's export limit shared over its sites")
struct FeederShareTests {
    @Test func withNothingKnownTheSitesShareEqually() {
        let shares = FeederShare.split(limitW: 9000, Array(repeating: .init(exportW: nil, shareW: nil), count: 3))
        #expect(shares == [3000, 3000, 3000])
    }

    @Test func aSiteUsingLessLeavesTheRestToThoseHeldBack() {
        // Four sites with 3 kW shares of 12 kW: one exports 1 kW (not held
        // back), one 2.95 kW (at its share), two at 3 kW.
        let sites: [FeederShare.Site] = [.init(exportW: 1000, shareW: 3000), .init(exportW: 2950, shareW: 3000),
                                         .init(exportW: 3000, shareW: 3000), .init(exportW: 3000, shareW: 3000)]
        let shares = FeederShare.split(limitW: 12000, sites)
        // The light site keeps what it uses plus a tenth (1.1 kW); 10.9 kW
        // are shared by the three held back.
        #expect(shares[0] == 1100)
        #expect(abs(shares[1] - 10900.0 / 3) < 1e-9 && shares[1] == shares[2] && shares[2] == shares[3])
        #expect(abs(shares.reduce(0, +) - 12000) < 1e-9)
    }

    @Test func theSharesNeverAddUpToMoreThanTheLimit() {
        // Wants that together exceed the limit: water-filling stops where
        // an equal share is the smaller, and no share passes the limit's sum.
        var state = UInt64(7)  // a fixed LCG: a failing case replays
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        for _ in 0..<2000 {
            let n = 1 + Int(next() % 40)
            let limit = Double(next() % 50_000)
            let sites = (0..<n).map { _ -> FeederShare.Site in
                let share = next() % 4 == 0 ? nil : Double(next() % 10_000)
                let export = next() % 5 == 0 ? nil : Double(next() % 12_000) - 1000
                return .init(exportW: export, shareW: share)
            }
            let shares = FeederShare.split(limitW: limit, sites)
            #expect(shares.count == n)
            #expect(shares.allSatisfy { $0 >= 0 })
            #expect(shares.reduce(0, +) <= limit + 1e-6)
        }
    }

    @Test func aZeroOrNonsenseLimitGivesNothing() {
        let sites: [FeederShare.Site] = [.init(exportW: 500, shareW: 2000), .init(exportW: nil, shareW: nil)]
        #expect(FeederShare.split(limitW: 0, sites) == [0, 0])
        #expect(FeederShare.split(limitW: -5, sites) == [0, 0])
        #expect(FeederShare.split(limitW: .nan, sites) == [0, 0])
        #expect(FeederShare.split(limitW: 1000, []) == [])
    }

    @Test func aShareFallsAtOnceAndRisesOnlyPastTheTolerance() {
        #expect(FeederShare.settled(previous: nil, next: 1234) == 1234)
        #expect(FeederShare.settled(previous: 2000, next: 1999) == 1999)
        #expect(FeederShare.settled(previous: 2000, next: 2049) == 2000)
        #expect(FeederShare.settled(previous: 2000, next: 2051) == 2051)
    }
}
