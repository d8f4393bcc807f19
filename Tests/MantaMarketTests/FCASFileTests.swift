import MantaTestPaths
import Testing
@testable import MantaMarket

func fcasFile(_ name: String) -> [UInt8] { TestPaths.read("\(TestPaths.sharedData)/nem/dispatch_fcas/\(name)") }

/// Expected values below come from awk over the same files.
@Suite(.enabled(if: TestPaths.hasSharedData, "needs ../shared/data"))
struct DispatchPriceFiles {
    @Test func formatsAreDetected() {
        #expect(MarketFileFormat.detect(fcasFile("DISPATCHPRICE_201804.CSV")) == .dispatchPrice)
        #expect(MarketFileFormat.detect(fcasFile("nem_dispatch_prices_fcas_2025-12-20_2026-01-04.csv")) == .combined)
        #expect(MarketFileFormat.detect(TestPaths.read(TestPaths.priceFile("VIC1", "202201"))) == .priceAndDemand)
        #expect(MarketFileFormat.detect(Array("hello,world\n1,2\n".utf8)) == nil)
    }

    @Test func interventionRowsAreSkippedAndGapsReported() throws {
        let files = try DispatchPriceFile.parse(fcasFile("DISPATCHPRICE_201804.CSV"), file: "201804")
        #expect(files.map(\.region) == [.nsw1, .sa1])
        let sa = files[1]
        // 2,880 pricing-run rows (INTERVENTION = 0) for two regions; the 2,462 intervention rows are not prices.
        #expect(sa.points.count == 1440)
        // The fixture holds 1-3 and 29-30 April: one gap in between, reported, not filled.
        #expect(sa.gaps.count == 1)
        #expect(sa.gaps[0].missing == 25 * 288)
        #expect(sa.points.allSatisfy { $0.fcas[.raise6Sec].isFinite && $0.fcas[.raise1Sec].isNaN })
    }

    @Test func realFCASSpikes() throws {
        let may = try DispatchPriceFile.parse(fcasFile("DISPATCHPRICE_201805.CSV"), file: "201805")
        let sa = may.first { $0.region == .sa1 }!
        let top = sa.points.max { $0.fcas[.raiseReg] < $1.fcas[.raiseReg] }!
        #expect(top.fcas[.raiseReg] == 13_000)
        #expect(top.intervalEndMs == MarketTime.parse("2018/05/03 16:05:00"))
        let jan = try DispatchPriceFile.parse(fcasFile("DISPATCHPRICE_202001.CSV"), file: "202001")
        let nsw = jan.first { $0.region == .nsw1 }!
        #expect(nsw.points.map { $0.fcas[.raise6Sec] }.max() == 14_700)
    }

    @Test func combinedFileHasAllTenServicesAndPriceStatus() throws {
        let files = try CombinedPriceFile.parse(fcasFile("nem_dispatch_prices_fcas_2025-12-20_2026-01-04.csv"), file: "combined")
        #expect(Set(files.map(\.region)) == Set(Region.allCases))
        let sa = files.first { $0.region == .sa1 }!
        #expect(sa.points.count == 4330)
        #expect(sa.gaps.isEmpty)
        // The "+11:00" suffix is ignored: 14:55 is market time (UTC+10).
        #expect(sa.points.first?.intervalEndMs == MarketTime.parse("2025-12-20 14:55"))
        #expect(sa.points.filter { !$0.firm }.count == 42)
        #expect(abs(sa.points.map(\.rrp).reduce(0, +) / 4330 - -0.414647) < 1e-6)
        #expect(sa.points.map { $0.fcas[.raise1Sec] }.max() == 1.52)
        #expect(sa.points.allSatisfy { p in FCASService.allCases.allSatisfy { p.fcas[$0].isFinite } })
    }

    @Test func brokenCIDFilesSayWhere() {
        let text = "C,SETP.WORLD,DVD_DISPATCHPRICE\nI,DISPATCH,PRICE,5,SETTLEMENTDATE,RUNNO,REGIONID,INTERVENTION,RRP\n"
            + "D,DISPATCH,PRICE,5,2022/01/01 00:05:00,1,NSW1,0,55.2\nD,DISPATCH,PRICE,5,2022/01/01 00:10:00,1,NSW1,0,oops\n"
        #expect(throws: MarketDataError(file: "f.csv", line: 4, message: "RRP 'oops' is not a number")) {
            try DispatchPriceFile.parse(Array(text.utf8), file: "f.csv")
        }
        #expect(throws: MarketDataError(file: "g.csv", line: 0, message: "no DISPATCH.PRICE table (no 'I,DISPATCH,PRICE,...' header)")) {
            try DispatchPriceFile.parse(Array("C,x\nI,DISPATCH,CASESOLUTION,1,A\nD,DISPATCH,CASESOLUTION,1,2\n".utf8), file: "g.csv")
        }
    }
}
