import MantaABI
import MantaMarket
import Testing
@testable import MantaEngine

@Suite("A site's room under its network limits, and the MPC that plans within it")
struct SiteRoomTests {
    func battery(_ id: String, power: Double = 0, soc: Double = 0.8, site: SiteState? = nil, rating: Double = 5000) -> AssetState {
        var a = AssetState(id: id, kind: .battery, soc: soc, capacityWh: 13_500, maxChargeW: rating, maxDischargeW: rating,
                           socMin: 0.1, socMax: 1, powerW: power, roundTripEfficiency: 0.9)
        a.site = site
        return a
    }

    @Test func theRoomIsTheLimitLessWhatTheSiteExportsWithoutItsStorage() {
        // PV 3.1 kW, load 0.85 kW, the battery discharging 200 W: the meter
        // exports 2.45 kW; without the battery 2.25 kW, so under a 3 kW limit
        // it may discharge 750 W. No import cap: charging is bounded by its rating only.
        let site = SiteState(id: "home-001", loadW: 850, pvW: 3100, gridW: 2450, exportLimitW: 3000)
        let rooms = SiteRoom.rooms([battery("b1", power: 200, site: site)])
        #expect(rooms == [.init(maxDischargeW: 750, maxChargeW: .infinity)])
        // An import cap of 2 kW on a site importing 1.2 kW (its battery idle): 0.8 kW of charging room.
        let evening = SiteState(id: "home-002", loadW: 1200, pvW: 0, gridW: -1200, importCapW: 2000)
        #expect(SiteRoom.rooms([battery("b2", site: evening)]) == [.init(maxDischargeW: .infinity, maxChargeW: 800)])
    }

    @Test func assetsOnOneSiteShareItsRoomByRatingAndUnknownsAreUnbounded() {
        let site = SiteState(id: "farm", gridW: 0, exportLimitW: 3000, importCapW: 0)
        let rooms = SiteRoom.rooms([battery("big", site: site, rating: 10_000), battery("small", site: site, rating: 5000),
                                    battery("elsewhere"), battery("no-meter", site: SiteState(id: "x", exportLimitW: 0))])
        #expect(rooms[0] == .init(maxDischargeW: 2000, maxChargeW: 0))
        #expect(rooms[1] == .init(maxDischargeW: 1000, maxChargeW: 0))
        #expect(rooms[2] == .unbounded && rooms[3] == .unbounded)
        // A site already exporting past its limit gets no room, never less.
        let over = SiteState(id: "hot", gridW: 4000, exportLimitW: 1000)
        #expect(SiteRoom.rooms([battery("b", site: over)])[0].maxDischargeW == 0)
    }

    @Test func theMPCDischargesIntoAPriceSpikeOnlyAsFarAsTheExportLimitLeavesRoom() {
        // A $12,000 interval, then ordinary prices: unlimited, the battery
        // discharges at its rating; under a 1.5 kW export limit with the home
        // exporting 1 kW of sun already, only 500 W; the planning still sees
        // the rest of the horizon on the ratings (it plans again each interval).
        let prices = [12_000.0] + Array(repeating: 80.0, count: 47)
        func target(_ site: SiteState?) -> Double {
            let mpc = MPCStrategy(forecaster: OracleForecaster(firstEndMs: 300_000, prices: prices))
            let obs = Observation(nowMs: 0, intervalEndMs: 300_000, intervalMs: 300_000, deadlineMs: 1, vpp: "v", region: "SA1",
                                  price: prices[0], priceHistory: [], assets: [battery("b", site: site)])
            var targets = [0.0]
            _ = mpc.decide(obs, targets: &targets)
            return targets[0]
        }
        #expect(abs(target(nil) - 5000) < 1e-6)
        #expect(abs(target(SiteState(id: "h", loadW: 600, pvW: 1600, gridW: 1000, exportLimitW: 1500)) - 500) < 1e-6)
        #expect(abs(target(SiteState(id: "h", gridW: 1000, exportLimitW: nil)) - 5000) < 1e-6)
    }

    @Test func aFirstIntervalLimitChangesOnlyTheFirstInterval() {
        // Cheapest, cheap, dear, middling: charge twice, discharge twice. Limiting the first
        // interval's charging to 1 kW leaves the rest of the plan free.
        let battery = BacktestBattery(name: "b", spec: BatterySpec(capacityWh: 10_000, maxChargeW: 5000, maxDischargeW: 5000,
                                                                     roundTripEfficiency: 1, socMin: 0, socMax: 1), initialSoc: 0.5)
        let prices = [5.0, 10, 500, 20]
        let free = PerfectForesight.solve(prices: prices, battery: battery)
        let held = PerfectForesight.solve(prices: prices, battery: battery, first: (chargeMW: 0.001, dischargeMW: 0.005))
        #expect(abs(free.chargeMW[0] - 0.005) < 1e-9 && abs(held.chargeMW[0] - 0.001) < 1e-9)
        #expect(abs(held.chargeMW[1] - 0.005) < 1e-9 && abs(held.dischargeMW[2] - free.dischargeMW[2]) < 1e-9)
        #expect(held.revenue < free.revenue)
    }

    @Test func theCoOptimisingMPCAlsoPlansTheIntervalWithinTheRoom() {
        // The same spike with contingency FCAS priced: mpc-fcas discharges at its rating unlimited, 500 W under
        // the 1.5 kW export limit, and every decision stays within a room that changes interval by interval
        // (warm plans equal cold ones in revenue: CoOptimisedPlannerTests; here the first steps may differ where
        // two plans earn the same).
        // After the spike, two cheap intervals and two dear ones in turn: the plan keeps moving.
        let prices = [12_000.0] + (1..<48).map { $0 % 4 < 2 ? 20.0 : 300.0 }
        let fcas = FCASService.allCases.map { $0.isRaise ? 2.0 : 1.0 }
        func targets(_ sites: [SiteState?], warm: Bool) -> [Double] {
            let mpc = MPCFCASStrategy(forecaster: OracleForecaster(firstEndMs: 300_000, prices: prices), warmStart: warm)
            return sites.enumerated().map { k, site in
                var obs = Observation(nowMs: Int64(k) * 300_000, intervalEndMs: Int64(k + 1) * 300_000, intervalMs: 300_000,
                                      deadlineMs: Int64(k + 1) * 300_000, vpp: "v", region: "SA1", price: prices[k], priceHistory: [],
                                      assets: [battery("b", site: site)])
                obs.fcas = fcas
                var t = [0.0]
                _ = mpc.decide(obs, targets: &t)
                return t[0]
            }
        }
        let limited = SiteState(id: "h", loadW: 600, pvW: 1600, gridW: 1000, exportLimitW: 1500)
        #expect(abs(targets([nil], warm: true)[0] - 5000) < 1e-6)
        #expect(abs(targets([limited], warm: true)[0] - 500) < 1e-6)
        let changing: [SiteState?] = (0..<12).map { (k: Int) -> SiteState? in
            if k % 3 == 0 { return nil }
            let grid = Double(k) * 100, cap = 2000 + Double(k) * 50
            return SiteState(id: "h", gridW: grid, exportLimitW: 1500, importCapW: cap)
        }
        let warm = targets(changing, warm: true)
        #expect(warm.filter { $0 < -100 }.count >= 3 && warm.filter { $0 > 100 }.count >= 3, "\(warm)")
        // Each decision within its room.
        for (k, site) in changing.enumerated() {
            let room = SiteRoom.rooms([battery("b", site: site)])[0]
            #expect(warm[k] <= room.maxDischargeW + 1e-6 && -warm[k] <= room.maxChargeW + 1e-6)
        }
    }
}
