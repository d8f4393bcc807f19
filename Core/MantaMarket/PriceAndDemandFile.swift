import MantaText

/// AEMO's "aggregated price and demand" CSV:
///
///     REGION,SETTLEMENTDATE,TOTALDEMAND,RRP,PERIODTYPE
///     VIC1,2022/01/01 00:05:00,5005.34,114.80,TRADE
///
/// SETTLEMENTDATE is the END of a 5-minute interval in market time.
public enum PriceAndDemandFile {
    /// Parses and validates one file. Every error names the file and line:
    /// a missing column, a malformed row, a region other than the file's
    /// first, a duplicate or out-of-order interval, a time off the 5-minute
    /// grid, a price beyond that financial year's cap or the floor. Missing
    /// intervals are returned as gaps, not filled.
    public static func parse(_ bytes: [UInt8], file: String) throws(MarketDataError) -> PriceFile {
        try bytes.withUnsafeBufferPointer { buffer throws(MarketDataError) in try parse(buffer, file: file) }
    }

    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, file: String) throws(MarketDataError) -> PriceFile {
        var lines = CSVLines(bytes), row = CSVRow(bytes)
        guard lines.next(&row) else { throw MarketDataError(file: file, line: 0, message: "empty file") }
        let names = row.texts.map { $0.trimmed.uppercased() }, headerLine = row.line
        func column(_ name: String) throws(MarketDataError) -> Int {
            guard let i = names.firstIndex(of: name) else {
                throw MarketDataError(file: file, line: headerLine,
                                      message: "missing column \(name) (found: \(names.joined(separator: ",")))")
            }
            return i
        }
        let regionCol = try column("REGION"), timeCol = try column("SETTLEMENTDATE"), rrpCol = try column("RRP")
        let demandCol = names.firstIndex(of: "TOTALDEMAND")

        var builder: SeriesBuilder?
        while lines.next(&row) {
            let line = row.line
            func fail(_ message: String) -> MarketDataError { MarketDataError(file: file, line: line, message: message) }
            guard row.count == names.count else {
                throw fail("expected \(names.count) fields, found \(row.count)")
            }
            let r = try row.region(regionCol, fail)
            if let b = builder, b.region != r {
                throw fail("region \(r.code) in a file of \(b.region.code): one region per series")
            }
            let end = try row.time(timeCol, "SETTLEMENTDATE", fail)
            var demand = Double.nan
            if let dc = demandCol, !row.isEmpty(dc) { demand = try row.number(dc, "TOTALDEMAND", fail) }
            let rrp = try row.number(rrpCol, "RRP", fail)
            if builder == nil {
                builder = SeriesBuilder(file: file, region: r)
                builder!.reserve(bytes.count / 40)  // about 40 bytes a row
            }
            try builder!.add(PricePoint(intervalEndMs: end, region: r, rrp: rrp, demandMW: demand), line: line)
        }
        guard let builder else { throw MarketDataError(file: file, line: headerLine, message: "no data rows") }
        return builder.finish()
    }
}
