import Foundation
import MantaEngine
import MantaJSON
import MantaMarket
import MantaTestSupport
import Testing
@testable import MantaHost

@Suite(.enabled(if: TestPaths.hasSharedData, "needs ../shared/data"))
struct BacktestJobs {
    let vic = "\(TestPaths.sharedData)/nem/price_and_demand/VIC1"
    let battery = try! BatteryArgument.parse("power_mw=1,energy_mwh=2,eta_rt=0.9,soc0=0.5")
    let catalog = try! CatalogFile.load(near: TestPaths.root + "/Package.swift")

    func request(_ strategy: String, config: JSON? = nil) -> BacktestRequest {
        var r = BacktestRequest(prices: [vic], strategy: strategy, batteries: battery)
        r.fromMs = MarketTime.parse("2023-01-01")
        r.toMs = MarketTime.parse("2024-01-01")
        r.strategyConfig = config
        r.pluginDirs = [TestPaths.root + "/Plugins"]
        return r
    }

    @Test func theCPluginAndTheSwiftThresholdAgreeOnARealYear() throws {
        let config: JSON = ["charge_below": 20, "discharge_above": 250, "soc_min": 0.1]
        let swift = try BacktestJob.run(request("threshold", config: config), catalog: catalog, logger: nil)
        let c = try BacktestJob.run(request(TestPaths.product("libmanta_threshold.so"), config: config), catalog: catalog, logger: nil)
        #expect(swift.result.intervals == 105_120)
        #expect(swift.result.revenueAUD == c.result.revenueAUD)
        #expect(swift.result.series.powerMW == c.result.series.powerMW)
        #expect(c.result.strategy.hasPrefix("manta.threshold"))
        #expect(swift.optimalRevenueAUD == c.optimalRevenueAUD)
        #expect(swift.captureRatio > 0 && swift.captureRatio < 1)
        // A plugin can also be named by its manifest id.
        var byID = request("manta.threshold", config: config)
        byID.libraryDirs = [TestPaths.products]
        #expect(try BacktestJob.run(byID, catalog: catalog, logger: nil).result.revenueAUD == swift.result.revenueAUD)
    }

    @Test func datesOutsideTheDataAreRefusedWithTheRange() {
        var r = request("threshold")
        r.fromMs = MarketTime.parse("2021-06-01")
        #expect(throws: BacktestError.self) { try BacktestJob.run(r, catalog: catalog, logger: nil) }
        do { _ = try BacktestJob.run(r, catalog: catalog, logger: nil) } catch {
            #expect(error.description == "--from 2021-06-01 00:00 is outside the data: the data covers 2022-01-01 00:00 to 2024-01-01 00:00 (market time)")
        }
    }

    @Test func twoRegionsNeedAChoice() throws {
        var r = request("threshold")
        r.prices = [vic, "\(TestPaths.sharedData)/nem/price_and_demand/SA1"]
        r.fromMs = nil
        r.toMs = nil
        do {
            _ = try BacktestJob.run(r, catalog: catalog, logger: nil)
            Issue.record("mixed regions accepted")
        } catch {
            #expect(error.description.contains("the files hold several regions (SA1, VIC1): choose one"))
        }
        r.region = .sa1
        r.fromMs = MarketTime.parse("2022-06-01")
        r.toMs = MarketTime.parse("2022-07-01")
        #expect(try BacktestJob.run(r, catalog: catalog, logger: nil).result.region == .sa1)
    }

    @Test func dispatchPriceFilesWithGapsNeedAllowGaps() throws {
        var r = BacktestRequest(prices: ["\(TestPaths.sharedData)/nem/dispatch_fcas/DISPATCHPRICE_202201.CSV"], strategy: "optimal",
                                batteries: battery)
        r.region = .nsw1
        do {
            _ = try BacktestJob.run(r, catalog: catalog, logger: nil)
            Issue.record("gaps accepted")
        } catch {
            #expect(error.description.contains("gap(s)"))
            #expect(error.description.contains("allow_gaps"))
        }
        r.allowGaps = true
        let o = try BacktestJob.run(r, catalog: catalog, logger: nil)
        #expect(o.result.intervals == 5 * 288)
        #expect(o.result.idleIntervals > 0)
    }

    @Test func aPluginConfigIsCheckedAgainstItsSchema() {
        let r = request(TestPaths.product("libmanta_threshold.so"), config: ["charge_below": "cheap"])
        do {
            _ = try BacktestJob.run(r, catalog: catalog, logger: nil)
            Issue.record("bad config accepted")
        } catch {
            #expect(error.description.contains("charge_below: must be number, got string"))
        }
    }

    @Test func batteryArgumentsNameTheKey() throws {
        for (text, message) in [
            ("power_mw=1", "energy_mwh is required"),
            ("power_mw=0,energy_mwh=2", "power_mw/charge_mw must be > 0, got 0.0"),
            ("power_mw=1,energy_mwh=2,soc_min=0.8,soc_max=0.2", "need 0 <= soc_min <= soc_max <= 1"),
            ("power_mw=1,energy_mwh=2,pwr=3", "unknown key 'pwr'"),
            ("power_mw=1,energy_mwh=2,eta_rt=1.5", "eta_rt must be in (0, 1]"),
            ("power_mw=one,energy_mwh=2", "power_mw must be a number, got 'one'"),
        ] {
            do {
                _ = try BatteryArgument.parse(text)
                Issue.record("accepted \(text)")
            } catch {
                #expect(error.description.contains(message), "\(text): \(error.description)")
            }
        }
        #expect(try BatteryArgument.parse("power_mw=0.005,energy_mwh=0.0135,count=3").count == 3)
    }
}
