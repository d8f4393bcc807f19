import MantaText

/// Builds one region's series from a file's rows, checking each as it comes:
/// on the 5-minute grid, in order, not repeated, prices within the floor and
/// that financial year's cap. Missing intervals are recorded as gaps.
/// Shared by every AEMO format, so they all validate the same way.
struct SeriesBuilder {
    let file: String
    let region: Region
    private(set) var points: [PricePoint] = []
    private(set) var gaps: [PriceGap] = []
    /// The line of the last point: rows must come in order, so a repeat of
    /// an interval is a repeat of the last one.
    private var lastLine = 0
    /// The financial year the last point fell in: interval ends in
    /// (from, to] have `cap` (a year of rows looks it up once).
    private var year: (from: Int64, to: Int64, cap: Double?) = (0, 0, nil)

    init(file: String, region: Region) {
        self.file = file
        self.region = region
    }

    mutating func reserve(_ count: Int) { points.reserveCapacity(count) }

    mutating func add(_ p: PricePoint, line: Int) throws(MarketDataError) {
        func fail(_ m: String) -> MarketDataError { MarketDataError(file: file, line: line, message: m) }
        let end = p.intervalEndMs
        guard end % MarketTime.intervalMs == 0 else {
            throw fail("interval end \(MarketTime.format(end, seconds: true)) is not on the 5-minute grid")
        }
        if !(end > year.from && end <= year.to) { year = MarketLimits.capYear(intervalEndMs: end) }
        try SeriesBuilder.checkPrice(p.rrp, "RRP", at: end, cap: year.cap, fail)
        if !p.fcas.isEmpty {
            for s in FCASService.allCases where !p.fcas[s].isNaN {
                try SeriesBuilder.checkPrice(p.fcas[s], s.column, at: end, cap: year.cap, fail)
            }
        }
        if let previous = points.last {
            if end == previous.intervalEndMs {
                throw fail("duplicate \(region.code) interval \(MarketTime.format(end)) (first at line \(lastLine))")
            }
            if end < previous.intervalEndMs {
                throw fail("\(region.code) interval \(MarketTime.format(end)) is before the previous row's \(MarketTime.format(previous.intervalEndMs))")
            }
            if end - previous.intervalEndMs > MarketTime.intervalMs {
                gaps.append(PriceGap(afterMs: previous.intervalEndMs, beforeMs: end, file: file, line: line))
            }
        }
        lastLine = line
        points.append(p)
    }

    static func checkPrice(_ value: Double, _ column: String, at end: Int64, cap: Double?,
                           _ fail: (String) -> MarketDataError) throws(MarketDataError) {
        guard value.isFinite else { throw fail("\(column) is not a finite number") }
        if value < MarketLimits.floor {
            throw fail("\(column) \(JSONNumber.text(value)) is below the market floor \(Int(MarketLimits.floor))")
        }
        if let cap, value > cap {
            let fy = MarketLimits.financialYear(intervalEndMs: end)
            throw fail("\(column) \(JSONNumber.text(value)) is above the FY\(fy)-\((fy + 1) % 100) market price cap \(Int(cap))")
        }
    }

    func finish() -> PriceFile { PriceFile(region: region, points: points, gaps: gaps) }
}

/// A number as AEMO files write it: no trailing ".0".
enum JSONNumber {
    static func text(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(x)
    }
}

extension CSVRow {
    /// Field `i`, which must be a number, with the column named when it is not.
    func number(_ i: Int, _ column: String, _ fail: (String) -> MarketDataError) throws(MarketDataError) -> Double {
        guard let v = number(i) else { throw fail("\(column) '\(text(i))' is not a number") }
        return v
    }

    /// Field `i`, which must be a date and time.
    func time(_ i: Int, _ column: String, _ fail: (String) -> MarketDataError) throws(MarketDataError) -> Int64 {
        guard let t = MarketTime.parse(bytes: field(i)) else { throw fail("\(column) '\(text(i))' is not a date and time") }
        return t
    }

    /// Field `i`, which must name a NEM region ("VIC1", any case).
    func region(_ i: Int, _ fail: (String) -> MarketDataError) throws(MarketDataError) -> Region {
        let f = field(i)
        // Upper-case ASCII letters; digits stay as they are.
        func up(_ b: UInt8) -> UInt8 { b >= 0x61 && b <= 0x7A ? b - 32 : b }
        if f.count == 4, f[3] == 0x31 {
            switch (up(f[0]), up(f[1]), up(f[2])) {
            case (0x4E, 0x53, 0x57): return .nsw1  // NSW
            case (0x51, 0x4C, 0x44): return .qld1  // QLD
            case (0x54, 0x41, 0x53): return .tas1  // TAS
            case (0x56, 0x49, 0x43): return .vic1  // VIC
            default: break
            }
        } else if f.count == 3, up(f[0]) == 0x53, up(f[1]) == 0x41, f[2] == 0x31 {
            return .sa1
        }
        throw fail("unknown region '\(text(i))'")
    }
}
