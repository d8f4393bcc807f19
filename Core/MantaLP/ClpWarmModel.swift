import CClp

/// A programme kept loaded in Clp between solves, for a planner that solves
/// programmes of one shape again and again with new costs and bounds (model
/// predictive control over a rolling horizon). The first solve is Clp's
/// usual one (presolve, then the simplex it judges best); each later one
/// starts the dual simplex from the previous optimal basis, moved by
/// `shiftBasis` where the horizon rolled on, so that a plan one interval on
/// takes a few pivots instead of a solve from scratch.
///
/// One owner, one thread: it holds Clp's model, which is not thread-safe.
/// Deterministic like ClpSolver: the same sequence of programmes gives the
/// same optima.
public final class ClpWarmModel {
    private let model: UnsafeMutableRawPointer
    private let columns: Int
    private let rows: Int
    private var solved = false

    /// Loads `lp`; nothing is solved yet.
    public init(_ lp: LinearProgram) throws(LPError) {
        guard let m = Clp_newModel() else { throw .failed(status: -1) }
        model = m
        (columns, rows) = (lp.columns, lp.rows)
        Clp_setLogLevel(m, 0)
        ClpSolver.load(lp, into: m)
        Clp_setOptimizationDirection(m, -1)
    }

    deinit { Clp_deleteModel(model) }

    /// Replaces the costs and every bound with `lp`'s. `lp` must have this
    /// model's matrix (`LinearProgram.hasSameMatrix`); it need not carry it
    /// (`recordsMatrix: false`), since only its costs and bounds are read.
    public func update(_ lp: LinearProgram) {
        precondition(lp.columns == columns && lp.rows == rows, "update with a programme of another shape")
        func clip(_ v: [Double]) -> [Double] { ClpSolver.clip(v) }
        Clp_chgObjCoefficients(model, lp.cost)
        Clp_chgColumnLower(model, clip(lp.lower))
        Clp_chgColumnUpper(model, clip(lp.upper))
        Clp_chgRowLower(model, clip(lp.rowLower))
        Clp_chgRowUpper(model, clip(lp.rowUpper))
    }

    /// Moves the basis one block on, for a horizon that rolled by one step
    /// whose columns and rows come in equal blocks per step: block t takes
    /// block t + 1's statuses and the last block keeps its own. Clp repairs
    /// a basis whose count of basic variables this changed.
    public func shiftBasis(columnsPerBlock: Int, rowsPerBlock: Int) {
        guard solved, columnsPerBlock > 0, rowsPerBlock > 0, columns % columnsPerBlock == 0,
              rows % rowsPerBlock == 0, columns / columnsPerBlock == rows / rowsPerBlock,
              let status = Clp_statusArray(model) else { return }
        func shift(_ base: Int, _ count: Int, _ block: Int) {
            guard count > block else { return }
            for k in 0..<(count - block) { status[base + k] = status[base + k + block] }
        }
        shift(0, columns, columnsPerBlock)
        shift(columns, rows, rowsPerBlock)
    }

    /// The optimum, maximising: from the last basis when there is one. A
    /// warm solve that does not reach the optimum is done again from
    /// scratch before anything is thrown.
    public func maximise(maxSeconds: Double = 600) throws(LPError) -> LPSolution {
        Clp_setMaximumSeconds(model, maxSeconds)
        if solved {
            _ = Clp_dual(model, 0)
            if Clp_status(model) != 0 { _ = Clp_initialSolve(model) }
        } else {
            _ = Clp_initialSolve(model)
        }
        try ClpSolver.check(model, maxSeconds: maxSeconds)
        solved = true
        let x = Array(UnsafeBufferPointer(start: Clp_primalColumnSolution(model)!, count: columns))
        return LPSolution(objective: Clp_objectiveValue(model), x: x, iterations: Int(Clp_numberIterations(model)))
    }
}
