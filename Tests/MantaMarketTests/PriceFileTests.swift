import MantaTestPaths
import Testing
@testable import MantaMarket

@Suite(.enabled(if: TestPaths.hasSharedData, "needs ../shared/data"))
struct RealPriceFiles {
    @Test func vic1January2022() throws {
        let f = try PriceAndDemandFile.parse(TestPaths.read(TestPaths.priceFile("VIC1", "202201")), file: "VIC1-202201")
        #expect(f.region == .vic1)
        #expect(f.points.count == 8928)  // 31 days x 288
        #expect(f.gaps.isEmpty)
        #expect(f.points.first?.intervalEndMs == MarketTime.parse("2022/01/01 00:05"))
        #expect(f.points.first?.rrp == 114.80)
        #expect(f.points.first?.demandMW == 5005.34)
        #expect(f.points.last?.intervalEndMs == MarketTime.parse("2022/02/01 00:00"))
        #expect(f.points.filter { $0.rrp < 0 }.count == 888)  // grep -c ',-' on the file
        // Mean RRP by awk over the same file: 60.8184
        #expect(abs(f.points.map(\.rrp).reduce(0, +) / Double(f.points.count) - 60.8184) < 1e-4)
        // January 2022's maximum is the FY2021-22 cap itself.
        #expect(f.points.map(\.rrp).max() == 15_100)
    }

    @Test func aYearOfFilesCombines() throws {
        let files = try (1...12).map { m -> (name: String, file: PriceFile) in
            let ym = "2022" + (m < 10 ? "0\(m)" : "\(m)")
            return (ym, try PriceAndDemandFile.parse(TestPaths.read(TestPaths.priceFile("SA1", ym)), file: ym))
        }
        let year = try PriceFile.combine(files.reversed())
        #expect(year.points.count == 105_120)
        #expect(year.gaps.isEmpty)
        #expect(year.points.filter { $0.rrp < 0 }.count == 19_647)  // as the data README says
    }

    @Test func twoRegionsDoNotMix() throws {
        let vic = try PriceAndDemandFile.parse(TestPaths.read(TestPaths.priceFile("VIC1", "202201")), file: "vic.csv")
        let sa = try PriceAndDemandFile.parse(TestPaths.read(TestPaths.priceFile("SA1", "202202")), file: "sa.csv")
        #expect(throws: MarketDataError(file: "sa.csv", line: 0, message: "region SA1 mixed with VIC1: one region per run")) {
            try PriceFile.combine([("vic.csv", vic), ("sa.csv", sa)])
        }
    }
}

@Suite struct BadPriceFiles {
    let header = "REGION,SETTLEMENTDATE,TOTALDEMAND,RRP,PERIODTYPE\n"

    func parse(_ body: String) throws(MarketDataError) -> PriceFile {
        try PriceAndDemandFile.parse(Array((header + body).utf8), file: "x.csv")
    }

    @Test func errorsCarryFileAndLine() {
        #expect(throws: MarketDataError(file: "x.csv", line: 3, message: "duplicate VIC1 interval 2022-01-01 00:05 (first at line 2)")) {
            try parse("VIC1,2022/01/01 00:05:00,5005,114.8,TRADE\nVIC1,2022/01/01 00:05:00,5005,114.8,TRADE\n")
        }
        #expect(throws: MarketDataError(file: "x.csv", line: 2, message: "RRP 'abc' is not a number")) {
            try parse("VIC1,2022/01/01 00:05:00,5005,abc,TRADE\n")
        }
        #expect(throws: MarketDataError(file: "x.csv", line: 2, message: "RRP 15500.01 is above the FY2021-22 market price cap 15100")) {
            try parse("VIC1,2022/01/01 00:05:00,5005,15500.01,TRADE\n")
        }
        #expect(throws: MarketDataError(file: "x.csv", line: 2, message: "RRP -1000.5 is below the market floor -1000")) {
            try parse("VIC1,2022/01/01 00:05:00,5005,-1000.5,TRADE\n")
        }
        #expect(throws: MarketDataError(file: "x.csv", line: 3, message: "region SA1 in a file of VIC1: one region per series")) {
            try parse("VIC1,2022/01/01 00:05:00,5005,1,TRADE\nSA1,2022/01/01 00:10:00,5005,1,TRADE\n")
        }
        #expect(throws: MarketDataError(file: "x.csv", line: 2, message: "expected 5 fields, found 4")) {
            try parse("VIC1,2022/01/01 00:05:00,5005,1\n")
        }
        #expect(throws: MarketDataError(file: "x.csv", line: 2, message: "interval end 2022-01-01 00:07:00 is not on the 5-minute grid")) {
            try parse("VIC1,2022/01/01 00:07:00,5005,1,TRADE\n")
        }
    }

    @Test func missingColumnIsNamed() {
        #expect(throws: MarketDataError(file: "y.csv", line: 1, message: "missing column RRP (found: REGION,SETTLEMENTDATE)")) {
            try PriceAndDemandFile.parse(Array("REGION,SETTLEMENTDATE\nVIC1,2022/01/01 00:05:00\n".utf8), file: "y.csv")
        }
    }

    @Test func gapsAreReportedNotFilled() throws {
        let f = try parse("VIC1,2022/01/01 00:05:00,5005,10,TRADE\nVIC1,2022/01/01 00:25:00,5005,20,TRADE\n")
        #expect(f.points.count == 2)
        #expect(f.gaps.count == 1)
        #expect(f.gaps[0].missing == 3)
        #expect(f.gaps[0].description == "x.csv:3: 3 interval(s) missing between 2022-01-01 00:05 and 2022-01-01 00:25")
    }
}
