import MantaText

/// AEMO's DISPATCHPRICE (MMS table DISPATCH.PRICE): energy price and the
/// FCAS prices per region per 5-minute dispatch interval, in C/I/D layout.
///
/// Where AEMO intervened in the market an interval has two rows; the one
/// with INTERVENTION = 0 (the pricing run) sets the price, so the other is
/// skipped. The 1-second FCAS columns appear only in files since October
/// 2023; older files leave those prices NaN.
public enum DispatchPriceFile {
    public static func parse(_ bytes: [UInt8], file: String) throws(MarketDataError) -> [PriceFile] {
        let t = try MMSTable(bytes, file: file, report: "DISPATCH", table: "PRICE")
        let time = try t.column("SETTLEMENTDATE"), region = try t.column("REGIONID"), rrp = try t.column("RRP")
        let intervention = t.columns["INTERVENTION"]
        let status = t.columns["PRICE_STATUS"]
        let fcas = FCASService.allCases.compactMap { s in t.columns[s.column].map { (s, $0) } }
        var builders: [Region: SeriesBuilder] = [:]
        var order: [Region] = []
        for (line, f) in t.rows {
            func fail(_ m: String) -> MarketDataError { MarketDataError(file: file, line: line, message: m) }
            if let i = intervention, f[i] != "0" { continue }
            guard let r = Region(code: f[region]) else { throw fail("unknown region '\(f[region])'") }
            guard let end = MarketTime.parse(f[time]) else { throw fail("SETTLEMENTDATE '\(f[time])' is not a date and time") }
            var p = PricePoint(intervalEndMs: end, region: r, rrp: try number(f[rrp], "RRP", fail))
            if let s = status { p.firm = f[s].trimmingQuotes == "FIRM" }
            for (service, column) in fcas where !f[column].isEmpty {
                p.fcas[service] = try number(f[column], service.column, fail)
            }
            if builders[r] == nil {
                builders[r] = SeriesBuilder(file: file, region: r)
                order.append(r)
            }
            try builders[r]!.add(p, line: line)
        }
        guard !order.isEmpty else { throw MarketDataError(file: file, line: 0, message: "no DISPATCH.PRICE rows") }
        return order.map { builders[$0]!.finish() }
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
        var lines = CSVLines(bytes).makeIterator()
        guard let header = lines.next() else { throw MarketDataError(file: file, line: 0, message: "empty file") }
        var columns: [String: Int] = [:]
        for (i, name) in header.fields.enumerated() { columns[name.trimmed.uppercased()] = i }
        func column(_ name: String) throws(MarketDataError) -> Int {
            guard let i = columns[name] else {
                throw MarketDataError(file: file, line: header.line, message: "missing column \(name)")
            }
            return i
        }
        let time = try column("SETTLEMENTDATE"), region = try column("REGIONID"), rrp = try column("RRP")
        let status = columns["PRICE_STATUS"], invalid = columns["INVALIDFLAG"]
        let fcas = FCASService.allCases.compactMap { s in columns[s.column].map { (s, $0) } }
        var builders: [Region: SeriesBuilder] = [:]
        var order: [Region] = []
        while let (line, f) = lines.next() {
            func fail(_ m: String) -> MarketDataError { MarketDataError(file: file, line: line, message: m) }
            guard f.count == header.fields.count else { throw fail("expected \(header.fields.count) fields, found \(f.count)") }
            if let i = invalid, f[i] != "0" && !f[i].isEmpty { continue }  // AEMO marked the row invalid
            guard let r = Region(code: f[region]) else { throw fail("unknown region '\(f[region])'") }
            let stamp = f[time].count > 19 ? String(f[time].prefix(19)) : f[time]
            guard let end = MarketTime.parse(stamp) else { throw fail("SETTLEMENTDATE '\(f[time])' is not a date and time") }
            var p = PricePoint(intervalEndMs: end, region: r, rrp: try number(f[rrp], "RRP", fail))
            if let s = status { p.firm = f[s].trimmingQuotes == "FIRM" }
            for (service, c) in fcas where !f[c].isEmpty { p.fcas[service] = try number(f[c], service.column, fail) }
            if builders[r] == nil {
                builders[r] = SeriesBuilder(file: file, region: r)
                order.append(r)
            }
            try builders[r]!.add(p, line: line)
        }
        guard !order.isEmpty else { throw MarketDataError(file: file, line: header.line, message: "no data rows") }
        return order.map { builders[$0]!.finish() }
    }
}
