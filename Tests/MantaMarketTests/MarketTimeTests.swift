import Testing
@testable import MantaMarket

@Suite struct Time {
    @Test func aemoTimestampsAreMarketTimeUTCPlus10() {
        // 2022/01/01 00:05 market time is 2021-12-31T14:05:00Z (checked with Python's datetime).
        #expect(MarketTime.parse("2022/01/01 00:05:00") == 1_640_959_500_000)
        #expect(MarketTime.parse("2022-01-01 00:05") == 1_640_959_500_000)
        #expect(MarketTime.parse("2022-01-01T00:05:00+10:00") == 1_640_959_500_000)
        #expect(MarketTime.parse("2021-12-31T14:05:00Z") == 1_640_959_500_000)
        #expect(MarketTime.parse("2022-07-17") == 1_657_980_000_000)
    }

    @Test func nonsenseIsRefused() {
        for bad in ["2022-02-30", "2022-13-01", "2022/01/01 25:00", "yesterday", "2022-01-01 00:05 junk", ""] {
            #expect(MarketTime.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func anyInstantAClientSendsRendersWithoutOverflow() {
        // Int64.max once trapped in `ms + offset`: a request echoing a hostile time took the host down.
        #expect(MarketTime.iso(.max) == "9999-12-31T23:59:59+10:00")
        #expect(MarketTime.iso(.min) == "0-01-01T00:00:00+10:00")
    }

    @Test func formattingRoundTrips() {
        let t: Int64 = 1_640_959_500_000
        #expect(MarketTime.format(t) == "2022-01-01 00:05")
        #expect(MarketTime.iso(t) == "2022-01-01T00:05:00+10:00")
        #expect(MarketTime.parse(MarketTime.iso(t)) == t)
        // Civil conversion across leap days and the epoch.
        for days in [-1000, -1, 0, 59, 789, 19_000, 20_000] as [Int64] {
            let c = MarketTime.civil(days: days)
            #expect(MarketTime.days(year: c.year, month: c.month, day: c.day) == days)
        }
    }

    @Test func intervalsAreLabelledByTheirEnd() {
        let start = MarketTime.parse("2022-07-17 10:00")!
        #expect(MarketTime.intervalEnd(containing: start) == start + 300_000)  // a boundary starts an interval
        #expect(MarketTime.intervalEnd(containing: start + 299_999) == start + 300_000)
        #expect(MarketTime.dayStart(start) == MarketTime.parse("2022-07-17")!)
    }

    @Test func capsFollowTheFinancialYear() {
        #expect(MarketLimits.cap(intervalEndMs: MarketTime.parse("2022/01/31 18:00")!) == 15_100)
        // The interval ending 00:00 on 1 July still belongs to the old year.
        #expect(MarketLimits.cap(intervalEndMs: MarketTime.parse("2022/07/01 00:00")!) == 15_100)
        #expect(MarketLimits.cap(intervalEndMs: MarketTime.parse("2022/07/01 00:05")!) == 15_500)
        #expect(MarketLimits.cap(intervalEndMs: MarketTime.parse("2024/01/01 00:05")!) == 16_600)
        #expect(MarketLimits.cap(intervalEndMs: MarketTime.parse("2025/12/31 12:00")!) == 20_300)
        #expect(MarketLimits.floor == -1000)
    }
}
