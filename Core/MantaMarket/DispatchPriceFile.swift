import MantaText

/// AEMO's DISPATCHPRICE (MMS table DISPATCH.PRICE): energy price and the
/// FCAS prices per region per 5-minute dispatch interval, in C/I/D layout.
///
/// Where AEMO intervened in the market an interval has two rows; the one
/// with INTERVENTION = 0 (the pricing run) sets the price, so the other is
/// skipped. The 1-second FCAS columns appear only in files since October
/// 2023; older files leave those prices NaN.
public enum DispatchPriceFile {
    /// Where the columns a dispatch-price row is read from are.
    struct Columns {
        var time, region, rrp: Int
        var intervention, status, invalid: Int?
        var fcas: [(FCASService, Int)]

        /// `missing` makes the error for a column the header lacks.
        init(_ columns: [String: Int], missing: (String) -> MarketDataError) throws(MarketDataError) {
            func column(_ name: String) throws(MarketDataError) -> Int {
                guard let i = columns[name] else { throw missing(name) }
                return i
            }
            time = try column("SETTLEMENTDATE")
            region = try column("REGIONID")
            rrp = try column("RRP")
            intervention = columns["INTERVENTION"]
            status = columns["PRICE_STATUS"]
            invalid = columns["INVALIDFLAG"]
            fcas = FCASService.allCases.compactMap { s in columns[s.column].map { (s, $0) } }
        }
    }

    public static func parse(_ bytes: [UInt8], file: String) throws(MarketDataError) -> [PriceFile] {
        try bytes.withUnsafeBufferPointer { buffer throws(MarketDataError) in
            var series = RegionSeries(file: file)
            try MMSTable.scan(buffer, file: file, report: "DISPATCH", table: "PRICE",
                              layout: { columns throws(MarketDataError) in
                                  try Columns(columns) { MarketDataError(file: file, line: 0, message: "the table has no \($0) column") }
                              }) { row, c throws(MarketDataError) in
                if let i = c.intervention, !row.equals(i, "0") { return }
                try series.add(row, c)
            }
            guard !series.isEmpty else { throw MarketDataError(file: file, line: 0, message: "no DISPATCH.PRICE rows") }
            return series.finish()
        }
    }
}

/// The combined dispatch-price CSV (one header row, every region, energy
/// plus all ten FCAS prices):
///
///     SETTLEMENTDATE,RUNNO,REGIONID,PERIODID,RRP,...,RAISE1SECRRP,...,PRICE_STATUS
///     2025-12-20 14:55:00+11:00,1,NSW1,179,34.94,...
///
/// The "+11:00" on SETTLEMENTDATE was added by the pipeline that produced
/// the file; the clock value is NEM market time (UTC+10) as in every AEMO
/// file, so the suffix is ignored rather than honoured.
public enum CombinedPriceFile {
    public static func parse(_ bytes: [UInt8], file: String) throws(MarketDataError) -> [PriceFile] {
        try bytes.withUnsafeBufferPointer { buffer throws(MarketDataError) in
            var lines = CSVLines(buffer), row = CSVRow(buffer)
            guard lines.next(&row) else { throw MarketDataError(file: file, line: 0, message: "empty file") }
            var columns: [String: Int] = [:]
            for (i, name) in row.texts.enumerated() { columns[name.trimmed.uppercased()] = i }
            let width = row.count, headerLine = row.line
            let c = try DispatchPriceFile.Columns(columns) { MarketDataError(file: file, line: headerLine, message: "missing column \($0)") }
            var series = RegionSeries(file: file)
            while lines.next(&row) {
                guard row.count == width else {
                    throw MarketDataError(file: file, line: row.line, message: "expected \(width) fields, found \(row.count)")
                }
                if let i = c.invalid, !row.isEmpty(i), !row.equals(i, "0") { continue }  // AEMO marked the row invalid
                try series.add(row, c, stampLength: 19)
            }
            guard !series.isEmpty else { throw MarketDataError(file: file, line: headerLine, message: "no data rows") }
            return series.finish()
        }
    }
}

/// One series per region of a multi-region file, in the order the regions
/// first appear.
struct RegionSeries {
    let file: String
    private var builders = [SeriesBuilder?](repeating: nil, count: Region.allCases.count)
    private var order: [Region] = []

    init(file: String) { self.file = file }

    var isEmpty: Bool { order.isEmpty }

    /// Adds a dispatch-price row. `stampLength` cuts SETTLEMENTDATE to its
    /// first characters (the combined file's offset suffix is not honoured).
    mutating func add(_ row: CSVRow, _ c: DispatchPriceFile.Columns, stampLength: Int? = nil) throws(MarketDataError) {
        let line = row.line, file = self.file
        func fail(_ m: String) -> MarketDataError { MarketDataError(file: file, line: line, message: m) }
        let r = try row.region(c.region, fail)
        var stamp = row.field(c.time)
        if let n = stampLength, stamp.count > n { stamp = UnsafeBufferPointer(rebasing: stamp[0..<n]) }
        guard let end = MarketTime.parse(bytes: stamp) else { throw fail("SETTLEMENTDATE '\(row.text(c.time))' is not a date and time") }
        var p = PricePoint(intervalEndMs: end, region: r, rrp: try row.number(c.rrp, "RRP", fail))
        if let s = c.status { p.firm = row.equals(s, "FIRM") }
        for (service, column) in c.fcas where !row.isEmpty(column) {
            p.fcas[service] = try row.number(column, service.column, fail)
        }
        let k = r.index
        if builders[k] == nil {
            builders[k] = SeriesBuilder(file: file, region: r)
            order.append(r)
        }
        try builders[k]!.add(p, line: line)
    }

    func finish() -> [PriceFile] { order.map { builders[$0.index]!.finish() } }
}
