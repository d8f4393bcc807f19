import CClp

/// Why a linear programme has no optimum, as Clp reports it.
public enum LPError: Error, Sendable, Equatable, CustomStringConvertible {
    case infeasible
    case unbounded
    /// Stopped on its iteration or time limit.
    case stopped(seconds: Double)
    case failed(status: Int32)

    public var description: String {
        switch self {
        case .infeasible: return "the linear programme is infeasible"
        case .unbounded: return "the linear programme is unbounded"
        case .stopped(let s): return "the LP solver stopped at its limit (\(s) s) before the optimum"
        case .failed(let status): return "the LP solver failed (Clp status \(status))"
        }
    }
}

/// An optimum: the objective and the values of the columns.
public struct LPSolution: Sendable {
    public var objective: Double
    public var x: [Double]
    /// Simplex iterations Clp took.
    public var iterations: Int
}

/// Solves a `LinearProgram` with COIN-OR Clp through its C interface:
/// presolve, then the simplex Clp judges best (Clp_initialSolve, markedly
/// faster on the month-long co-optimised bound than dual or primal simplex
/// alone). Clp is single-threaded and deterministic: the
/// same programme gives the same optimum and the same vertex every time.
public enum ClpSolver {
    /// The optimum of `lp`, maximising. `maxSeconds` bounds the work.
    public static func maximise(_ lp: LinearProgram, maxSeconds: Double = 600) throws(LPError) -> LPSolution {
        guard let model = Clp_newModel() else { throw .failed(status: -1) }
        defer { Clp_deleteModel(model) }
        Clp_setLogLevel(model, 0)
        load(lp, into: model)
        Clp_setOptimizationDirection(model, -1)
        Clp_setMaximumSeconds(model, maxSeconds)
        _ = Clp_initialSolve(model)
        try check(model, maxSeconds: maxSeconds)
        let columns = Clp_primalColumnSolution(model)!
        let x = Array(UnsafeBufferPointer(start: columns, count: lp.columns))
        return LPSolution(objective: Clp_objectiveValue(model), x: x, iterations: Int(Clp_numberIterations(model)))
    }

    /// Bounds as Clp takes them: its infinity is DBL_MAX.
    static func clip(_ v: [Double]) -> [Double] {
        v.map { $0 == .infinity ? Double.greatestFiniteMagnitude : $0 == -.infinity ? -Double.greatestFiniteMagnitude : $0 }
    }

    /// Hands `lp` to `model`.
    static func load(_ lp: LinearProgram, into model: UnsafeMutableRawPointer) {
        let (start, index, value) = lp.columnWise()
        let lower = clip(lp.lower), upper = clip(lp.upper), rowLower = clip(lp.rowLower), rowUpper = clip(lp.rowUpper)
        start.withUnsafeBufferPointer { s in
            index.withUnsafeBufferPointer { i in
                value.withUnsafeBufferPointer { v in
                    Clp_loadProblem(model, Int32(lp.columns), Int32(lp.rows), s.baseAddress, i.baseAddress, v.baseAddress,
                                    lower, upper, lp.cost, rowLower, rowUpper)
                }
            }
        }
    }

    /// Throws unless `model` stands at an optimum.
    static func check(_ model: UnsafeMutableRawPointer, maxSeconds: Double) throws(LPError) {
        switch Clp_status(model) {
        case 0: return
        case 1: throw .infeasible
        case 2: throw .unbounded
        case 3: throw .stopped(seconds: maxSeconds)
        case let s: throw .failed(status: s)
        }
    }
}
