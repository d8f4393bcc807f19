/// Rows of one table in AEMO's MMS "C/I/D" CSV layout, the layout of
/// NEMWeb's reports and MMS data model files:
///
///     C,SETP.WORLD,DVD_DISPATCHPRICE,AEMO,PUBLIC,2022/02/08,...   comment
///     I,DISPATCH,PRICE,4,SETTLEMENTDATE,RUNNO,REGIONID,...        header of table DISPATCH.PRICE v4
///     D,DISPATCH,PRICE,4,2022/01/01 00:05:00,1,NSW1,...           a row of it
///
/// A file may hold several tables, each introduced by its own I row.
struct MMSTable {
    let file: String
    /// (line, columns by name) for every D row of the table.
    private(set) var rows: [(line: Int, fields: [String])] = []
    private(set) var columns: [String: Int] = [:]

    /// Reads the rows of `report`.`table` (e.g. DISPATCH, PRICE).
    init(_ bytes: [UInt8], file: String, report: String, table: String) throws(MarketDataError) {
        self.file = file
        var inTable = false
        var sawComment = false
        for (line, fields) in CSVLines(bytes) {
            switch fields.first {
            case "C":
                sawComment = true
            case "I":
                inTable = fields.count > 4 && fields[1] == report && fields[2] == table
                if inTable {
                    columns = [:]
                    for (i, name) in fields.enumerated().dropFirst(4) { columns[name.uppercased()] = i }
                }
            case "D":
                guard inTable else { continue }
                guard fields.count >= 4 + columns.count else {
                    throw MarketDataError(file: file, line: line, message: "expected \(4 + columns.count) fields, found \(fields.count)")
                }
                rows.append((line, fields))
            default:
                throw MarketDataError(file: file, line: line, message: "not a C/I/D row: starts with '\(fields.first ?? "")'")
            }
        }
        guard sawComment || !rows.isEmpty else { throw MarketDataError(file: file, line: 0, message: "not an AEMO C/I/D file") }
        guard !columns.isEmpty else {
            throw MarketDataError(file: file, line: 0, message: "no \(report).\(table) table (no 'I,\(report),\(table),...' header)")
        }
    }

    /// The column's index, or an error naming the file.
    func column(_ name: String) throws(MarketDataError) -> Int {
        guard let i = columns[name] else { throw MarketDataError(file: file, line: 0, message: "the table has no \(name) column") }
        return i
    }
}
