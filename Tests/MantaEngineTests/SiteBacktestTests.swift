import MantaABI
import MantaMarket
import Testing
@testable import MantaEngine

/// 2022-07-01 00:00 market time (a Friday), ms.
private let julyFirst: Int64 = 1_656_597_600_000

/// Market-time ms of a day in July 2022 at HH:MM.
private func july(_ day: Int, _ hour: Int, _ minute: Int = 0) -> Int64 {
    julyFirst + Int64(day - 1) * MarketTime.dayMs + Int64(hour * 60 + minute) * 60_000
}

/// A site drawing `loadW` every half hour of July (and `pvW` of sun).
private func flatSite(loadW: Double, pvW: Double = 0, cap: (Double, DailyWindow)? = nil, demand: DemandTariff? = nil,
                      network: Double = 0) -> BacktestSite {
    var load: [Int: [Double]] = [:], pv: [Int: [Double]] = [:]
    for d in 1...31 {
        load[700 + d] = [Double](repeating: loadW, count: 48)
        pv[700 + d] = [Double](repeating: pvW, count: 48)
    }
    let profile = SiteProfile(loadW: HalfHourly(days: load), pvW: HalfHourly(days: pv), layout: "test")
    return BacktestSite(name: "home", profile: profile, importCap: cap, demand: demand, networkPerMWh: network)
}

/// Remembers what each decision was shown of the site.
private final class SiteWatcher: Strategy {
    var name: String { "watcher" }
    var seen: [SiteState?] = []
    func decide(_ o: Observation, targets: inout [Double]) throws -> String? {
        seen.append(o.assets[0].site)
        return nil
    }
}

@Suite struct DailyWindows {
    @Test func holdsOnItsDaysAndHoursAndWrapsPastMidnight() throws {
        let w = try #require(DailyWindow(hours: "16:00-18:00", days: DailyWindow.days(["weekdays"])!))
        #expect(w.holds(atMs: july(1, 16)) && w.holds(atMs: july(1, 17, 59)))
        #expect(!w.holds(atMs: july(1, 15, 59)) && !w.holds(atMs: july(1, 18)))
        #expect(!w.holds(atMs: july(2, 17)))  // a Saturday
        #expect(w.ahead(atMs: july(1, 9)) && !w.ahead(atMs: july(1, 16)) && !w.ahead(atMs: july(2, 9)))
        let night = try #require(DailyWindow(hours: "22:00-06:00"))
        #expect(night.holds(atMs: july(1, 23)) && night.holds(atMs: july(2, 5, 59)) && !night.holds(atMs: july(2, 6)))
        #expect(!night.ahead(atMs: july(1, 12)))  // a window past midnight keeps no reserve
        #expect(DailyWindow.always.holds(atMs: july(3, 3, 17)) && DailyWindow.always.hours == 24 && w.hours == 2)
        #expect(DailyWindow(hours: "24:00-01:00") == nil && DailyWindow(hours: "16:00") == nil && DailyWindow.minute("7:00") == nil)
        #expect(DailyWindow.days(["sat", "sun"]) == [6, 7] && DailyWindow.days(["funday"]) == nil)
    }
}

@Suite struct DemandMeters {
    /// Meters a half hour of six intervals starting at `start`; the
    /// charges to a thousandth of a cent.
    private func halfHour(_ m: inout DemandMeter, _ start: Int64, _ watts: [Double]) -> [Double] {
        watts.enumerated().map { k, w in
            (m.record(intervalEndMs: start + Int64(k + 1) * MarketTime.intervalMs, gridW: w, hours: 5.0 / 60) * 1e5).rounded() / 1e5
        }
    }

    private func near(_ a: [Double], _ b: [Double]) -> Bool { a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) < 1e-9 } }

    @Test func chargesThePeakHalfHoursMeanInTheWindowAsItRises() throws {
        var m = DemandMeter(DemandTariff(rateAUD: 10, window: DailyWindow(hours: "16:00-18:00")!))
        // 16:00-16:30 averages 3 kW (five at 2 kW, one at 8 kW): charged once, at the half hour's end.
        #expect(halfHour(&m, july(1, 16), [2000, 2000, 2000, 2000, 2000, 8000]) == [0, 0, 0, 0, 0, 30])
        #expect(halfHour(&m, july(1, 16, 30), [1000, 1000, 1000, 1000, 1000, 1000]) == [0, 0, 0, 0, 0, 0])
        #expect(halfHour(&m, july(1, 15, 30), [10_000, 10_000, 10_000, 10_000, 10_000, 10_000]).allSatisfy { $0 == 0 })  // outside
        #expect(halfHour(&m, july(2, 17), [4000, 4000, 4000, 4000, 4000, 4000]).last == 10)  // the peak rises 3 -> 4 kW
        #expect(halfHour(&m, july(3, 17), [-5000, -5000, -5000, -5000, -5000, -5000]).last == 0)  // export is no demand
        // August is a new month.
        #expect(halfHour(&m, july(32, 17), [2000, 2000, 2000, 2000, 2000, 2000]).last == 20)
        #expect(abs(m.chargedAUD - 60) < 1e-9 && near(m.peaks.map(\.demand), [4, 2]) && m.peaks.map(\.period) == [202207, 202208])
    }

    @Test func chargesPerKVAAndPerDay() {
        var kva = DemandMeter(DemandTariff(rateAUD: 10, powerFactor: 0.8))
        #expect(halfHour(&kva, july(1, 3), [3000, 3000, 3000, 3000, 3000, 3000]).last == 37.5)  // 3 kW at pf 0.8 = 3.75 kVA
        var daily = DemandMeter(DemandTariff(rateAUD: 1, period: .day))
        _ = halfHour(&daily, july(1, 12), [2000, 2000, 2000, 2000, 2000, 2000])
        _ = halfHour(&daily, july(2, 12), [1000, 1000, 1000, 1000, 1000, 1000])
        #expect(abs(daily.chargedAUD - 3) < 1e-9 && near(daily.peaks.map(\.demand), [2, 1]))
        #expect(DemandTariff(rateAUD: -1).problems().count == 1 && DemandTariff(rateAUD: 1, powerFactor: 1.2).problems().count == 1)
    }
}

@Suite struct SiteProfiles {
    @Test func readsAusgridSolarHomeHalfHours() throws {
        let p = try SiteProfile.parse(",GC,GG\n2011-07-01 16:00:00,2.5,0.1\n2011-07-01 16:30:00,1.0,0.0\n", file: "home.csv")
        #expect(p.layout == "ausgrid" && p.loadW.halfHourMean(atMs: july(1, 16, 10)) == 2500 && p.pvW.halfHourMean(atMs: july(1, 16, 25)) == 100)
        #expect(p.loadW.halfHourMean(atMs: july(1, 16, 30)) == 1000 && p.loadW.halfHourMean(atMs: july(2, 16)) == nil)
        #expect(throws: SiteProfile.Refusal.self) { try SiteProfile.parse(",GC,GG\n2011-07-01 16:00:00,2.5,0.1\nbad,line\n", file: "home.csv") }
        do {
            _ = try SiteProfile.parse(",GC,GG\n2011-07-01 16:00:00,2.5,0.1\n2011-07-01 16:30:00,-1,0\n", file: "home.csv")
        } catch {
            #expect(error.description == "home.csv:3: GC and GG must be 0 to 10000 kW")
        }
    }

    @Test func readsNEM12ChannelsAveragingShortIntervalsToHalfHours() throws {
        let quarterHours = (0..<96).map { $0 == 64 || $0 == 65 ? "0.5" : "0.25" }.joined(separator: ",")
        let halfHours = (0..<48).map { _ in "0.1" }.joined(separator: ",")
        let text = """
            100,NEM12,201412161532,SPANMDP,SPANMDP
            200,1111111111,E1B1,001,E1,N1,1111111,KWH,15,
            300,20140701,\(quarterHours),A,,,
            300,20140701,\(quarterHours),A,,,
            200,1111111111,E1B1,001,B1,N1,1111111,KWH,30,
            300,20140701,\(halfHours),A,,,
            900
            """
        let p = try SiteProfile.parse(text, file: "meter.csv")
        #expect(p.layout == "nem12")
        // Two quarter hours of 0.25 kWh are a half hour's 1 kW; 16:00-16:30 had 0.5 + 0.5 kWh: 2 kW. A repeated day is replaced, not added.
        #expect(p.loadW.halfHourMean(atMs: july(1, 3)) == 1000 && p.loadW.halfHourMean(atMs: july(1, 16, 5)) == 2000)
        #expect(p.pvW.halfHourMean(atMs: july(1, 12)) == 200)
        do {
            _ = try SiteProfile.parse("100,NEM12\n200,1,E1,001,E1,N1,1,KVARH,30,\n", file: "meter.csv")
            Issue.record("a unit that is no energy was read")
        } catch {
            #expect(error.description == "meter.csv:2: unit KVARH: expected KWH, WH or MWH")
        }
    }
}

@Suite struct CapReserves {
    @Test func addsTheBatteriesDischargeBackToTheMeter() {
        let half: Int64 = 1_800_000
        // The meter held at the cap for an hour while the battery gave 2 kW, then 0.5 kW: the load was above it all along.
        let meter: [CapDefence.Reading] = [(0, 1000), (half, 1000), (2 * half, 1000)]
        #expect(CapDefence.energyAboveCapWh(meterImport: meter, storage: [[(0, 2000), (half, 500)]], limitW: 1000) == 1250)
        #expect(CapDefence.energyAboveCapWh(meterImport: meter, storage: [], limitW: 1000) == 0)
        // A battery heard from only later counts as idle until then; charging (negative) lowers the load's share.
        #expect(CapDefence.energyAboveCapWh(meterImport: meter, storage: [[(half, 3000)]], limitW: 1000) == 1500)
        #expect(CapDefence.energyAboveCapWh(meterImport: [(0, 4000), (half, 0)], storage: [[(0, -1000)]], limitW: 1000) == 1000)
    }
}

@Suite struct SiteBacktests {
    /// The battery of these tests: 5 kW / 10 kWh, lossless, half full.
    private let home = BacktestBattery(name: "pw", spec: BatterySpec(capacityWh: 10_000, maxChargeW: 5000, maxDischargeW: 5000,
                                                                     roundTripEfficiency: 1, socMin: 0, socMax: 1), initialSoc: 0.5)
    private let idle = ThresholdStrategy({ var c = ThresholdStrategy.Config(); c.chargeBelow = -1000; c.dischargeAbove = 10_000; return c }())

    @Test func billsTheMeterWithAndWithoutTheBatteryAndHoldsTheCap() throws {
        let cap = (1000.0, DailyWindow(hours: "17:00-19:00")!)
        var input = Backtest.Input(prices: day(from: julyFirst), fleet: [home])
        input.site = flatSite(loadW: 3000, cap: cap, demand: DemandTariff(rateAUD: 10, window: cap.1), network: 50)
        let r = try Backtest.run(input, strategy: idle)
        let s = try #require(r.site)
        // 72 intervals at -20, 48 at 400 (17:00-21:00), 168 at 70; 3 kW is 0.25 kWh an interval.
        #expect(abs(s.withoutBattery.energyAUD - 0.00025 * (72 * -20 + 48 * 400 + 168 * 70.0)) < 1e-9)
        // In the window (24 intervals at 400) the battery covers 2 kW: 1.6 AUD less.
        #expect(abs(s.withBattery.energyAUD - (s.withoutBattery.energyAUD - 0.002 / 12 * 400 * 24)) < 1e-9)
        #expect(abs((s.withoutBattery.energyAUD - s.withBattery.energyAUD) - r.energyRevenueAUD) < 1e-9)
        #expect(abs(s.withoutBattery.networkAUD - 50 * 0.00025 * 288) < 1e-9 && abs(s.withBattery.networkAUD - (3.6 - 50 * 0.002 / 12 * 24)) < 1e-9)
        #expect(abs(s.withoutBattery.demandAUD - 30) < 1e-9 && abs(s.withBattery.demandAUD - 10) < 1e-9)
        #expect(s.withBattery.intervalsOverCap == 0 && s.withoutBattery.intervalsOverCap == 24 && s.capIntervals == 24)
        #expect(abs(s.withBattery.peakImportInCapWindowW - 1000) < 1e-6 && s.withoutBattery.peakImportInCapWindowW == 3000)
        #expect(abs(s.savingAUD - (1.6 + 0.2 + 20)) < 1e-9)
        #expect(s.gridW.count == 288 && abs(s.loadMWh - 0.072) < 1e-12)
    }

    @Test func keepsThePlannedReserveAheadOfTheWindow() throws {
        // Discharges whenever the price is above 60 (from 06:00), recharges below 0 (overnight).
        let eager = ThresholdStrategy({ var c = ThresholdStrategy.Config(); c.chargeBelow = 0; c.dischargeAbove = 60; return c }())
        let window = DailyWindow(hours: "17:00-19:00")!
        var input = Backtest.Input(prices: day(from: julyFirst, count: 288 * 2), fleet: [home])
        input.site = flatSite(loadW: 3000, cap: (1000, window))
        let r = try Backtest.run(input, strategy: eager)
        let s = try #require(r.site)
        #expect(s.withBattery.intervalsOverCap == 0 && s.withoutBattery.intervalsOverCap == 48)
        // Day 1 has no history: the battery, full from the night, keeps everything for the window. Day 2
        // keeps yesterday's 4 kWh above the cap plus a fifth.
        let at = { (d: Int, i: Int) in r.series.energyMWh[(d - 1) * 288 + i] * 1e6 }
        #expect(abs(at(1, 203) - 10_000) < 1e-6)  // the interval ending 17:00
        #expect(abs(at(2, 203) - 4800) < 1e-6)
        // In the window the strategy sells at 400 only what the rest of the window does not need:
        // an hour in, at least half the reserve is left.
        #expect(at(2, 215) >= 2400 - 1e-6 && at(2, 227) >= -1e-6)
        // Without the cap the same strategy runs the battery empty before the evening.
        input.site = flatSite(loadW: 3000)
        #expect(try Backtest.run(input, strategy: eager).series.energyMWh[203] * 1e6 < 1)
    }

    @Test func showsTheStrategyTheSiteAsMeasuredTheIntervalBefore() throws {
        let watcher = SiteWatcher()
        var input = Backtest.Input(prices: day(from: julyFirst), fleet: [home])
        input.site = flatSite(loadW: 2000, pvW: 500, cap: (1000, DailyWindow(hours: "17:00-19:00")!))
        _ = try Backtest.run(input, strategy: watcher)
        #expect(watcher.seen.count == 288 && watcher.seen[0]?.loadW == nil && watcher.seen[0]?.id == "home")
        let second = try #require(watcher.seen[1])
        #expect(second.loadW == 2000 && second.pvW == 500 && second.gridW == -1500 && second.importCapW == nil)
        // The decision for the interval starting 17:00 (the 205th) sees the cap; its meter reading is the interval before's.
        #expect(watcher.seen[204]?.importCapW == 1000 && watcher.seen[203]?.importCapW == nil && watcher.seen[228]?.importCapW == nil)
        #expect(watcher.seen[205]?.gridW == -1000)  // the cap held over 17:00-17:05
    }

    @Test func refusesASiteWithBadFigures() {
        var input = Backtest.Input(prices: day(from: julyFirst), fleet: [home])
        input.site = flatSite(loadW: 1000, cap: (.infinity, .always))
        #expect(throws: Backtest.Refusal.self) { try Backtest.run(input, strategy: idle) }
        input.site = flatSite(loadW: 1000, demand: DemandTariff(rateAUD: 1, powerFactor: 0))
        do {
            _ = try Backtest.run(input, strategy: idle)
        } catch {
            #expect(error.description == "site home: demand tariff: power_factor must be above 0 and at most 1 (got 0.0)")
        }
    }
}
