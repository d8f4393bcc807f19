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
        var lines = CSVLines(bytes).makeIterator()
        guard let header = lines.next() else { throw MarketDataError(file: file, line: 0, message: "empty file") }
        let names = header.fields.map { $0.trimmed.uppercased() }
        func column(_ name: String) throws(MarketDataError) -> Int {
            guard let i = names.firstIndex(of: name) else {
                throw MarketDataError(file: file, line: header.line,
                                      message: "missing column \(name) (found: \(names.joined(separator: ",")))")
            }
            return i
        }
        let regionCol = try column("REGION"), timeCol = try column("SETTLEMENTDATE"), rrpCol = try column("RRP")
        let demandCol = names.firstIndex(of: "TOTALDEMAND")

        var builder: SeriesBuilder?
        while let (line, fields) = lines.next() {
            func fail(_ message: String) -> MarketDataError { MarketDataError(file: file, line: line, message: message) }
            guard fields.count == names.count else {
                throw fail("expected \(names.count) fields, found \(fields.count)")
            }
            guard let r = Region(code: fields[regionCol]) else { throw fail("unknown region '\(fields[regionCol])'") }
            if let b = builder, b.region != r {
                throw fail("region \(r.code) in a file of \(b.region.code): one region per series")
            }
            guard let end = MarketTime.parse(fields[timeCol]) else {
                throw fail("SETTLEMENTDATE '\(fields[timeCol])' is not a date and time")
            }
            var demand = Double.nan
            if let dc = demandCol, !fields[dc].isEmpty { demand = try number(fields[dc], "TOTALDEMAND", fail) }
            let rrp = try number(fields[rrpCol], "RRP", fail)
            if builder == nil { builder = SeriesBuilder(file: file, region: r) }
            try builder!.add(PricePoint(intervalEndMs: end, region: r, rrp: rrp, demandMW: demand), line: line)
        }
        guard let builder else { throw MarketDataError(file: file, line: header.line, message: "no data rows") }
        return builder.finish()
    }
}
