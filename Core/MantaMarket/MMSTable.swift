/// Rows of one table in AEMO's MMS "C/I/D" CSV layout, the layout of
/// NEMWeb's reports and MMS data model files:
///
///     C,SETP.WORLD,DVD_DISPATCHPRICE,AEMO,PUBLIC,2022/02/08,...   comment
///     I,DISPATCH,PRICE,4,SETTLEMENTDATE,RUNNO,REGIONID,...        header of table DISPATCH.PRICE v4
///     D,DISPATCH,PRICE,4,2022/01/01 00:05:00,1,NSW1,...           a row of it
///
/// A file may hold several tables, each introduced by its own I row.
enum MMSTable {
    /// Calls `row` for every D row of `report`.`table` (e.g. DISPATCH,
    /// PRICE) in file order, with what `layout` made of the columns its I
    /// row names (indices by upper-cased name), so that a row is read by
    /// index, never by looking a name up.
    static func scan<Layout>(
        _ bytes: UnsafeBufferPointer<UInt8>, file: String, report: StaticString, table: StaticString,
        layout: ([String: Int]) throws(MarketDataError) -> Layout,
        row body: (CSVRow, Layout) throws(MarketDataError) -> Void
    ) throws(MarketDataError) {
        var lines = CSVLines(bytes), row = CSVRow(bytes)
        var current: (layout: Layout, width: Int)?
        var sawTable = false, sawComment = false, sawRow = false
        while lines.next(&row) {
            if row.equals(0, "C") {
                sawComment = true
            } else if row.equals(0, "I") {
                current = nil
                guard row.count > 4, row.equals(1, report), row.equals(2, table) else { continue }
                var columns: [String: Int] = [:]
                for i in 4..<row.count { columns[row.text(i).uppercased()] = i }
                current = (try layout(columns), 4 + columns.count)
                sawTable = true
            } else if row.equals(0, "D") {
                sawRow = true
                guard let (layout, width) = current else { continue }
                guard row.count >= width else {
                    throw MarketDataError(file: file, line: row.line, message: "expected \(width) fields, found \(row.count)")
                }
                try body(row, layout)
            } else {
                throw MarketDataError(file: file, line: row.line, message: "not a C/I/D row: starts with '\(row.text(0))'")
            }
        }
        guard sawComment || sawRow else { throw MarketDataError(file: file, line: 0, message: "not an AEMO C/I/D file") }
        guard sawTable else {
            throw MarketDataError(file: file, line: 0, message: "no \(report).\(table) table (no 'I,\(report),\(table),...' header)")
        }
    }
}
