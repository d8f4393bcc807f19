/// A linear programme in the form an LP solver takes it:
///
///     maximise    c^T x
///     subject to  rowLower <= A x <= rowUpper,  lower <= x <= upper
///
/// built column by column and row by row. Bounds may be infinite
/// (`-.infinity`, `.infinity`); an equality row has equal bounds. The matrix
/// is kept as (row, column, value) triplets in the order they were added and
/// turned into the column-wise form Clp wants when solved.
public struct LinearProgram: Sendable {
    public private(set) var cost: [Double] = []
    public private(set) var lower: [Double] = []
    public private(set) var upper: [Double] = []
    public private(set) var rowLower: [Double] = []
    public private(set) var rowUpper: [Double] = []
    private(set) var entryRow: [Int32] = []
    private(set) var entryColumn: [Int32] = []
    private(set) var entryValue: [Double] = []
    /// False: rows keep their bounds only, not their entries (a programme
    /// whose matrix a solver already holds, re-costed and re-bounded).
    public let recordsMatrix: Bool

    public init(recordsMatrix: Bool = true) { self.recordsMatrix = recordsMatrix }

    public var columns: Int { cost.count }
    public var rows: Int { rowLower.count }
    public var nonZeros: Int { entryValue.count }

    /// Reserves room for `columns` columns, `rows` rows and `nonZeros` entries.
    public mutating func reserve(columns: Int, rows: Int, nonZeros: Int) {
        cost.reserveCapacity(columns); lower.reserveCapacity(columns); upper.reserveCapacity(columns)
        rowLower.reserveCapacity(rows); rowUpper.reserveCapacity(rows)
        entryRow.reserveCapacity(nonZeros); entryColumn.reserveCapacity(nonZeros); entryValue.reserveCapacity(nonZeros)
    }

    /// Adds a variable and returns its index.
    @discardableResult
    public mutating func addColumn(cost c: Double, lower lo: Double, upper hi: Double) -> Int {
        precondition(lo <= hi, "column bounds \(lo) > \(hi)")
        cost.append(c)
        lower.append(lo)
        upper.append(hi)
        return cost.count - 1
    }

    /// Adds the row `lower <= sum coefficient * x[column] <= upper` and returns
    /// its index. Zero coefficients are dropped; a column may appear once.
    @discardableResult
    public mutating func addRow(_ terms: some Sequence<(column: Int, coefficient: Double)>, lower lo: Double, upper hi: Double) -> Int {
        precondition(lo <= hi, "row bounds \(lo) > \(hi)")
        let r = Int32(rowLower.count)
        for (j, a) in terms where recordsMatrix && a != 0 {
            precondition(j >= 0 && j < cost.count, "row names column \(j) of \(cost.count)")
            entryRow.append(r)
            entryColumn.append(Int32(j))
            entryValue.append(a)
        }
        rowLower.append(lo)
        rowUpper.append(hi)
        return Int(r)
    }

    /// Narrows a column's bounds (for fixing a variable, say).
    public mutating func setBounds(column j: Int, lower lo: Double, upper hi: Double) {
        precondition(lo <= hi, "column bounds \(lo) > \(hi)")
        lower[j] = lo
        upper[j] = hi
    }

    /// The matrix column-wise: `start[j]..<start[j+1]` index `index` (rows)
    /// and `value` for column j.
    func columnWise() -> (start: [Int32], index: [Int32], value: [Double]) {
        var start = [Int32](repeating: 0, count: columns + 1)
        for j in entryColumn { start[Int(j) + 1] += 1 }
        for j in 0..<columns { start[j + 1] += start[j] }
        var next = start
        var index = [Int32](repeating: 0, count: nonZeros)
        var value = [Double](repeating: 0, count: nonZeros)
        for k in 0..<nonZeros {
            let j = Int(entryColumn[k]), at = Int(next[j])
            index[at] = entryRow[k]
            value[at] = entryValue[k]
            next[j] += 1
        }
        return (start, index, value)
    }

    /// Whether `other` has the same matrix entries, added in the same order:
    /// the two differ at most in costs and bounds.
    public func hasSameMatrix(as other: LinearProgram) -> Bool {
        columns == other.columns && rows == other.rows && entryValue == other.entryValue && entryRow == other.entryRow
            && entryColumn == other.entryColumn
    }

    /// The largest violation of a row or column bound by `x`: what a
    /// solution's feasibility is checked with.
    public func violation(_ x: [Double]) -> Double {
        var worst = 0.0
        for j in 0..<columns { worst = max(worst, lower[j] - x[j], x[j] - upper[j]) }
        var activity = [Double](repeating: 0, count: rows)
        for k in 0..<nonZeros { activity[Int(entryRow[k])] += entryValue[k] * x[Int(entryColumn[k])] }
        for i in 0..<rows { worst = max(worst, rowLower[i] - activity[i], activity[i] - rowUpper[i]) }
        return worst
    }

    /// c^T x.
    public func objective(_ x: [Double]) -> Double {
        var sum = 0.0
        for j in 0..<columns { sum += cost[j] * x[j] }
        return sum
    }
}
