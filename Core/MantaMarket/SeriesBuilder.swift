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
    private var lineOf: [Int64: Int] = [:]

    init(file: String, region: Region) {
        self.file = file
        self.region = region
    }

    mutating func add(_ p: PricePoint, line: Int) throws(MarketDataError) {
        func fail(_ m: String) -> MarketDataError { MarketDataError(file: file, line: line, message: m) }
        let end = p.intervalEndMs
        guard end % MarketTime.intervalMs == 0 else {
            throw fail("interval end \(MarketTime.format(end, seconds: true)) is not on the 5-minute grid")
        }
        try SeriesBuilder.checkPrice(p.rrp, "RRP", at: end, fail)
        for s in FCASService.allCases where !p.fcas[s].isNaN {
            try SeriesBuilder.checkPrice(p.fcas[s], s.column, at: end, fail)
        }
        if let first = lineOf[end] {
            throw fail("duplicate \(region.code) interval \(MarketTime.format(end)) (first at line \(first))")
        }
        if let previous = points.last {
            if end < previous.intervalEndMs {
                throw fail("\(region.code) interval \(MarketTime.format(end)) is before the previous row's \(MarketTime.format(previous.intervalEndMs))")
            }
            if end - previous.intervalEndMs > MarketTime.intervalMs {
                gaps.append(PriceGap(afterMs: previous.intervalEndMs, beforeMs: end, file: file, line: line))
            }
        }
        lineOf[end] = line
        points.append(p)
    }

    static func checkPrice(_ value: Double, _ column: String, at end: Int64, _ fail: (String) -> MarketDataError) throws(MarketDataError) {
        guard value.isFinite else { throw fail("\(column) is not a finite number") }
        if value < MarketLimits.floor {
            throw fail("\(column) \(JSONNumber.text(value)) is below the market floor \(Int(MarketLimits.floor))")
        }
        if let cap = MarketLimits.cap(intervalEndMs: end), value > cap {
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

/// A field that must be a number, with the column named when it is not.
func number(_ text: String, _ column: String, _ fail: (String) -> MarketDataError) throws(MarketDataError) -> Double {
    guard let v = Double(text.trimmed) else { throw fail("\(column) '\(text)' is not a number") }
    return v
}
