import Testing
@testable import MantaEngine

@Suite("Fleet split")
struct FleetSplitTests {
    typealias M = FleetSplit.Member
    let hours = 5.0 / 60

    /// 13.5 kWh, 5 kW batteries at a given SOC, each with 5 kW of room.
    func battery(_ soc: Double, priority: Int = 0) -> M {
        M(soc: soc, capacityWh: 13_500, dischargeHeadroomW: 5000, chargeHeadroomW: 5000, priority: priority)
    }

    @Test func theTargetIsMetExactlyWhenTheFleetHasRoom() {
        let fleet = [0.2, 0.5, 0.9, 0.6].map { battery($0) }
        let out = FleetSplit.split(targetW: 7_300, members: fleet, hours: hours)
        #expect(abs(out.reduce(0, +) - 7_300) < 1e-6)
        #expect(out.allSatisfy { $0 >= 0 && $0 <= 5000 })
    }

    @Test func aDischargeTakesMostFromTheFullestAndLeavesSOCsCloser() {
        let fleet = [0.2, 0.5, 0.9].map { battery($0) }
        let out = FleetSplit.split(targetW: 3_000, members: fleet, hours: hours)
        // 3 kW for 5 minutes is 250 Wh, under 2% SOC: all of it from the
        // fullest, which stays the fullest.
        #expect(out[2] > 2_999)
        #expect(out[0] == 0 && out[1] == 0)
        let spread = FleetSplit.split(targetW: 9_000, members: fleet, hours: hours)
        #expect(spread[2] == 5000)
        #expect(spread[1] > spread[0])
    }

    @Test func aChargeGivesMostToTheEmptiest() {
        let fleet = [0.2, 0.5, 0.9].map { battery($0) }
        let out = FleetSplit.split(targetW: -6_000, members: fleet, hours: hours)
        #expect(abs(out.reduce(0, +) + 6_000) < 1e-6)
        #expect(out[0] == -5000)
        #expect(out[1] < 0 && out[2] == 0)
    }

    @Test func equalSOCsShareInProportionToCapacity() {
        let big = M(soc: 0.5, capacityWh: 20_000, dischargeHeadroomW: 10_000, chargeHeadroomW: 10_000)
        let small = M(soc: 0.5, capacityWh: 10_000, dischargeHeadroomW: 10_000, chargeHeadroomW: 10_000)
        let out = FleetSplit.split(targetW: 3_000, members: [big, small], hours: hours)
        #expect(abs(out[0] - 2_000) < 1e-3)
        #expect(abs(out[1] - 1_000) < 1e-3)
    }

    @Test func aLowerPriorityTierIsCalledOnlyForWhatTheFirstCannotGive() {
        let fleet = [battery(0.9, priority: 1), battery(0.3, priority: 0), battery(0.3, priority: 0)]
        let out = FleetSplit.split(targetW: 8_000, members: fleet, hours: hours)
        #expect(out[1] == 4000 || abs(out[1] - 4000) < 1e-6)
        #expect(out[0] == 0)
        let more = FleetSplit.split(targetW: 12_000, members: fleet, hours: hours)
        #expect(more[1] == 5000 && more[2] == 5000)
        #expect(abs(more[0] - 2000) < 1e-6)
    }

    @Test func beyondTheFleetsHeadroomEveryoneRunsAtTheirs() {
        let fleet = [battery(0.5), M(soc: 0.5, capacityWh: 13_500, dischargeHeadroomW: 1200, chargeHeadroomW: 0)]
        let out = FleetSplit.split(targetW: 1e9, members: fleet, hours: hours)
        #expect(out == [5000, 1200])
        #expect(FleetSplit.split(targetW: -1e9, members: fleet, hours: hours) == [-5000, 0])
    }

    @Test func unknownSOCAndBadTargetsGetNothing() {
        let fleet = [battery(.nan), battery(0.5)]
        let out = FleetSplit.split(targetW: 2_000, members: fleet, hours: hours)
        #expect(out[0] == 0 && abs(out[1] - 2000) < 1e-6)
        #expect(FleetSplit.split(targetW: .nan, members: fleet, hours: hours) == [0, 0])
        #expect(FleetSplit.split(targetW: 1000, members: [], hours: hours) == [])
    }

    @Test func aHundredThousandMembersSplitExactly() {
        var rng = SystemRandomNumberGenerator()
        let fleet = (0..<100_000).map { _ in battery(Double.random(in: 0.1...0.95, using: &rng)) }
        let out = FleetSplit.split(targetW: 123_456_789, members: fleet, hours: hours)
        #expect(abs(out.reduce(0, +) - 123_456_789) < 1)
        #expect(out.allSatisfy { $0 >= 0 && $0 <= 5000 + 1e-9 })
    }
}
