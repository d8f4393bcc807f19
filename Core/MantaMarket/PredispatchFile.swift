/// AEMO's pre-dispatch price forecasts (MMS table PREDISPATCH.REGION_PRICES,
/// as the monthly archive's PREDISPATCHPRICE file holds it): a run every
/// 30 minutes, each forecasting every 30-minute period to the end of the
/// next trading day, per region, energy and FCAS.
///
///     I,PREDISPATCH,REGION_PRICES,1,PREDISPATCHSEQNO,RUNNO,REGIONID,PERIODID,INTERVENTION,RRP,...,LASTCHANGED,DATETIME,RAISE6SECRRP,...
///     D,PREDISPATCH,REGION_PRICES,1,2021010101,1,NSW1,1,0,31.89,...,2021/01/01 04:01:13,2021/01/01 04:30:00,3.68,...
///
/// DATETIME is the END of the forecast period (market time); LASTCHANGED is
/// when AEMO published the run, and a forecast may be used only from then on.
public struct PredispatchRuns: Sendable, Equatable {
    /// One run: when it was published and what it forecast.
    public struct Run: Sendable, Equatable {
        public var sequence: String
        /// Publication time (LASTCHANGED), UTC ms.
        public var publishedMs: Int64
        /// Forecast periods in order: END of the 30-minute period, UTC ms, and the RRP.
        public var periodEndMs: [Int64]
        public var rrp: [Double]
        /// FCAS price forecasts per period, as the file holds them.
        public var fcas: [FCASPrices]

        public init(sequence: String, publishedMs: Int64, periodEndMs: [Int64], rrp: [Double], fcas: [FCASPrices]) {
            self.sequence = sequence
            self.publishedMs = publishedMs
            self.periodEndMs = periodEndMs
            self.rrp = rrp
            self.fcas = fcas
        }

        /// The forecast RRP of the period holding the 5-minute interval
        /// ending at `intervalEndMs`, or NaN outside the run.
        public func rrp(forIntervalEnding intervalEndMs: Int64) -> Double {
            let periodEnd = MarketTime.floorDiv(intervalEndMs + 1_799_999, 1_800_000) * 1_800_000
            var lo = 0, hi = periodEndMs.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if periodEndMs[mid] < periodEnd { lo = mid + 1 } else { hi = mid }
            }
            return lo < periodEndMs.count && periodEndMs[lo] == periodEnd ? rrp[lo] : .nan
        }
    }

    public var region: Region
    /// In order of publication.
    public var runs: [Run]

    public init(region: Region, runs: [Run]) {
        self.region = region
        self.runs = runs.sorted { ($0.publishedMs, $0.sequence) < ($1.publishedMs, $1.sequence) }
    }

    /// The run to use at `nowMs`: the latest published at or before it.
    public func latest(at nowMs: Int64) -> Run? {
        var lo = 0, hi = runs.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if runs[mid].publishedMs <= nowMs { lo = mid + 1 } else { hi = mid }
        }
        return lo == 0 ? nil : runs[lo - 1]
    }
}

public enum PredispatchFile {
    /// Parses the runs of `region` (pricing rows only, INTERVENTION = 0).
    /// Every error names the file and line.
    public static func parse(_ bytes: [UInt8], file: String, region: Region) throws(MarketDataError) -> PredispatchRuns {
        struct Columns {
            var sequence, region, datetime, published, rrp: Int
            var intervention: Int?
            var fcas: [(FCASService, Int)]
        }
        return try bytes.withUnsafeBufferPointer { buffer throws(MarketDataError) in
            var byRun: [String: PredispatchRuns.Run] = [:]
            try MMSTable.scan(buffer, file: file, report: "PREDISPATCH", table: "REGION_PRICES", layout: { c throws(MarketDataError) in
                func column(_ name: String) throws(MarketDataError) -> Int {
                    guard let i = c[name] else { throw MarketDataError(file: file, line: 0, message: "the table has no \(name) column") }
                    return i
                }
                return Columns(sequence: try column("PREDISPATCHSEQNO"), region: try column("REGIONID"), datetime: try column("DATETIME"),
                               published: try column("LASTCHANGED"), rrp: try column("RRP"), intervention: c["INTERVENTION"],
                               fcas: FCASService.allCases.compactMap { s in c[s.column].map { (s, $0) } })
            }) { row, c throws(MarketDataError) in
                let line = row.line
                func fail(_ m: String) -> MarketDataError { MarketDataError(file: file, line: line, message: m) }
                if let i = c.intervention, !row.equals(i, "0") { return }
                guard try row.region(c.region, fail) == region else { return }
                let sequence = row.text(c.sequence)
                let end = try row.time(c.datetime, "DATETIME", fail), published = try row.time(c.published, "LASTCHANGED", fail)
                let rrp = try row.number(c.rrp, "RRP", fail)
                guard rrp.isFinite, rrp >= MarketLimits.floor, rrp <= MarketLimits.highestCap else {
                    throw fail("RRP \(rrp) is outside the floor and the cap")
                }
                var fcas = FCASPrices()
                for (s, i) in c.fcas where !row.isEmpty(i) { fcas[s] = try row.number(i, s.column, fail) }
                var run = byRun[sequence] ?? PredispatchRuns.Run(sequence: sequence, publishedMs: published, periodEndMs: [], rrp: [], fcas: [])
                guard published == run.publishedMs else { throw fail("run \(sequence) has two LASTCHANGED times") }
                if let last = run.periodEndMs.last, end <= last { throw fail("run \(sequence): DATETIME \(row.text(c.datetime)) is not after the previous period") }
                run.periodEndMs.append(end)
                run.rrp.append(rrp)
                run.fcas.append(fcas)
                byRun[sequence] = run
            }
            guard !byRun.isEmpty else { throw MarketDataError(file: file, line: 0, message: "no \(region.code) pre-dispatch rows") }
            return PredispatchRuns(region: region, runs: Array(byRun.values))
        }
    }
}
