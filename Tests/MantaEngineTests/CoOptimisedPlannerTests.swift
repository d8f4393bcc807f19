import MantaMarket
import MantaTestPaths
import Testing
@testable import MantaEngine

/// The warm planner (CoOptimisedPlanner: Clp kept loaded, each solve from the
/// last basis moved one interval on) finds, every interval of a real day of
/// re-planning, the optimum a solve from scratch finds.
@Suite(.enabled(if: TestPaths.hasSharedData, "needs ../shared/data"))
struct CoOptimisedPlanning {
    static func month(_ region: Region) throws -> (rrp: [Double], fcas: [FCASPrices]) {
        let bytes = TestPaths.read("\(TestPaths.sharedData)/nem/dispatch_fcas/DISPATCHPRICE_202101.CSV")
        guard let file = try DispatchPriceFile.parse(bytes, file: "202101").first(where: { $0.region == region }) else {
            throw PlanningFixtureMissing()
        }
        return (Backtest.grid(file).rrp, Backtest.fcasGrid(file))
    }

    struct PlanningFixtureMissing: Error {}

    @Test(arguments: [Region.nsw1, .sa1]) func aWarmPlanIsTheOptimumASolveFromScratchFinds(region: Region) throws {
        let (rrp, fcas) = try Self.month(region)
        let b = battery(powerMW: 1, energyMWh: 2, rt: 0.9, soc0: 0.5)
        let planner = CoOptimisedPlanner()
        var e = 1.0, worst = 0.0
        // A day of plans over a 4-hour horizon, each from where the last plan's first step left the battery.
        for t in 0..<288 {
            let prices = Array(rrp[t..<(t + 48)]), services = Array(fcas[t..<(t + 48)])
            let warm = try planner.plan(prices: prices, fcas: services, battery: b, startMWh: e, endAtLeastMWh: 1)
            let cold = try CoOptimisedBound.solve(prices: prices, fcas: services, battery: b, startMWh: e, endAtLeastMWh: 1)
            worst = max(worst, abs(warm.revenue - cold.revenue) / max(1, abs(cold.revenue)))
            #expect(warm.revenue > 0)
            e = warm.energyMWh[0]
        }
        #expect(worst < 1e-9, "largest relative difference \(worst)")
        #expect(planner.coldSolves == 1 && planner.warmSolves == 287)
    }

    @Test func aFirstIntervalRoomBoundsOnlyTheFirstStepAndKeepsTheWarmOptimum() throws {
        let (rrp, fcas) = try Self.month(.sa1)
        let b = battery(powerMW: 1, energyMWh: 2, rt: 0.9, soc0: 0.5)
        let planner = CoOptimisedPlanner()
        var e = 1.0, worst = 0.0, bound = 0
        // A site's room that changes every interval, as a home's load and sun do (MW; a bound on bounds only).
        for t in 0..<96 {
            let room = (chargeMW: t % 3 == 0 ? 0.25 : 1.0, dischargeMW: t % 2 == 0 ? 0.1 : 0.6)
            let prices = Array(rrp[t..<(t + 48)]), services = Array(fcas[t..<(t + 48)])
            let warm = try planner.plan(prices: prices, fcas: services, battery: b, startMWh: e, endAtLeastMWh: 1, first: room)
            let cold = try CoOptimisedBound.solve(prices: prices, fcas: services, battery: b, startMWh: e, endAtLeastMWh: 1, first: room)
            worst = max(worst, abs(warm.revenue - cold.revenue) / max(1, abs(cold.revenue)))
            #expect(warm.dischargeMW[0] <= room.dischargeMW + 1e-9 && warm.chargeMW[0] <= room.chargeMW + 1e-9)
            if warm.dischargeMW[0] > room.dischargeMW - 1e-6 || warm.chargeMW[0] > room.chargeMW - 1e-6 { bound += 1 }
            e = warm.energyMWh[0]
        }
        #expect(worst < 1e-9, "largest relative difference \(worst)")
        #expect(planner.coldSolves == 1 && bound > 10, "the room bound \(bound) first steps")
    }

    @Test func aProgrammeOfAnotherShapeIsSolvedFromScratch() throws {
        let (rrp, fcas) = try Self.month(.nsw1)
        let b = battery(powerMW: 1, energyMWh: 2, rt: 0.9, soc0: 0.5)
        let planner = CoOptimisedPlanner()
        _ = try planner.plan(prices: Array(rrp[0..<48]), fcas: Array(fcas[0..<48]), battery: b, startMWh: 1, endAtLeastMWh: 1)
        // One slot without RAISEREG: another matrix, so another model.
        var fewer = Array(fcas[1..<49])
        fewer[10][.raiseReg] = .nan
        let s = try planner.plan(prices: Array(rrp[1..<49]), fcas: fewer, battery: b, startMWh: 1, endAtLeastMWh: 1)
        let cold = try CoOptimisedBound.solve(prices: Array(rrp[1..<49]), fcas: fewer, battery: b, startMWh: 1, endAtLeastMWh: 1)
        #expect(planner.coldSolves == 2 && planner.warmSolves == 0)
        // What the planner trusts: one shape, one matrix; another shape, another matrix.
        func full(_ t: Int, _ f: [FCASPrices]) -> CoOptimisedBound.Program {
            CoOptimisedBound.program(prices: Array(rrp[t..<(t + 48)]), fcas: f, battery: b, services: nil, hours: 1.0 / 12,
                                     startMWh: 1, endAtLeastMWh: 1)
        }
        let a = Array(fcas[0..<48]), next = Array(fcas[1..<49])
        #expect(CoOptimisedBound.Shape(prices: Array(rrp[0..<48]), fcas: a, battery: b)
                == CoOptimisedBound.Shape(prices: Array(rrp[1..<49]), fcas: next, battery: b))
        #expect(full(0, a).lp.hasSameMatrix(as: full(1, next).lp))
        #expect(!full(1, next).lp.hasSameMatrix(as: full(1, fewer).lp))
        #expect(abs(s.revenue - cold.revenue) <= 1e-9 * abs(cold.revenue))
        #expect(s.enablementMW[.raiseReg]?[10] == 0)
    }
}
