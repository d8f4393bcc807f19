import Testing
@testable import MantaMarket

/// AEMO's PREDISPATCHPRICE rows read into runs, each usable from its LASTCHANGED.
@Suite struct PredispatchFileRuns {
    let text = """
        C,SETP.WORLD,DVD_PREDISPATCHPRICE,AEMO,PUBLIC,2026/12/01,14:31:47,0,MONTHLY_ARCHIVE,0
        I,PREDISPATCH,REGION_PRICES,1,PREDISPATCHSEQNO,RUNNO,REGIONID,PERIODID,INTERVENTION,RRP,LASTCHANGED,DATETIME,RAISE6SECRRP
        D,PREDISPATCH,REGION_PRICES,1,2021010101,1,NSW1,1,0,31.89,2021/01/01 04:01:13,2021/01/01 04:30:00,3.68
        D,PREDISPATCH,REGION_PRICES,1,2021010101,1,NSW1,2,0,40,2021/01/01 04:01:13,2021/01/01 05:00:00,4.6
        D,PREDISPATCH,REGION_PRICES,1,2021010101,1,NSW1,2,1,999,2021/01/01 04:01:13,2021/01/01 05:00:00,4.6
        D,PREDISPATCH,REGION_PRICES,1,2021010101,1,SA1,1,0,80,2021/01/01 04:01:13,2021/01/01 04:30:00,1
        D,PREDISPATCH,REGION_PRICES,1,2021010102,1,NSW1,1,0,55,2021/01/01 04:31:10,2021/01/01 05:00:00,2

        """

    @Test func runsAreReadPerRegionInPublicationOrder() throws {
        let r = try PredispatchFile.parse(Array(text.utf8), file: "pd.csv", region: .nsw1)
        #expect(r.runs.map(\.sequence) == ["2021010101", "2021010102"])
        #expect(r.runs[0].rrp == [31.89, 40])  // the intervention row is not the pricing run
        #expect(r.runs[0].fcas[1][.raise6Sec] == 4.6)
        let published = MarketTime.parse("2021-01-01 04:01:13")!, second = MarketTime.parse("2021-01-01 04:31:10")!
        #expect(r.latest(at: published - 1) == nil)
        #expect(r.latest(at: published)?.sequence == "2021010101")
        #expect(r.latest(at: second - 1)?.sequence == "2021010101" && r.latest(at: second)?.sequence == "2021010102")
        // 5-minute intervals ending 04:35 ... 05:00 lie in the period ending 05:00.
        let run = r.runs[0]
        #expect(run.rrp(forIntervalEnding: MarketTime.parse("2021-01-01 04:30")!) == 31.89)
        #expect(run.rrp(forIntervalEnding: MarketTime.parse("2021-01-01 04:35")!) == 40)
        #expect(run.rrp(forIntervalEnding: MarketTime.parse("2021-01-01 05:00")!) == 40)
        #expect(run.rrp(forIntervalEnding: MarketTime.parse("2021-01-01 05:05")!).isNaN)
        #expect(try PredispatchFile.parse(Array(text.utf8), file: "pd.csv", region: .sa1).runs.map(\.rrp) == [[80]])
    }

    @Test func badRowsAreNamedByLine() {
        let bad = text.replacingOccurrences(of: "31.89", with: "lots")
        #expect(throws: MarketDataError(file: "pd.csv", line: 3, message: "RRP 'lots' is not a number")) {
            try PredispatchFile.parse(Array(bad.utf8), file: "pd.csv", region: .nsw1)
        }
        #expect(throws: MarketDataError(file: "pd.csv", line: 0, message: "no TAS1 pre-dispatch rows")) {
            try PredispatchFile.parse(Array(text.utf8), file: "pd.csv", region: .tas1)
        }
    }
}

extension String {
    fileprivate func replacingOccurrences(of a: String, with b: String) -> String {
        split(separator: a, omittingEmptySubsequences: false).joined(separator: b)
    }
}
