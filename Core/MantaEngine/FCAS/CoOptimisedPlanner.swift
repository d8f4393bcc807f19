import MantaLP
import MantaMarket

/// One battery's co-optimised plan, made again every interval over a
/// horizon that rolls on by one: the programme of CoOptimisedBound, kept
/// loaded in Clp (ClpWarmModel) while its shape holds, each solve starting
/// from the last optimal basis moved one interval on. The optimum is the
/// programme's as a solve from scratch finds it (CoOptimisedPlannerTests
/// checks every interval of real weeks); only the work to reach it shrinks.
///
/// A planner belongs to one strategy and one asset, and is used on one
/// thread.
public final class CoOptimisedPlanner {
    private var model: ClpWarmModel?
    /// The shape of the programme `model` holds.
    private var shape: CoOptimisedBound.Shape?
    /// Solves done warm and from scratch, for tests and benchmarks.
    public private(set) var warmSolves = 0
    public private(set) var coldSolves = 0

    /// False: every plan from scratch (what a cold solve costs, for comparison).
    public let warm: Bool

    public init(warm: Bool = true) { self.warm = warm }

    /// The plan over `prices` and `fcas` from `startMWh`, ending with at
    /// least `endAtLeastMWh`, the first interval within `first`
    /// (CoOptimisedBound.solve's arguments), made warm when the programme
    /// has the last one's shape.
    public func plan(prices: [Double], fcas: [FCASPrices], battery: BacktestBattery, startMWh: Double,
                     endAtLeastMWh: Double, first: (chargeMW: Double, dischargeMW: Double)? = nil) throws(LPError)
        -> CoOptimisedBound.Solution
    {
        let dt = Double(MarketTime.intervalMs) / 3_600_000
        let now = CoOptimisedBound.Shape(prices: prices, fcas: fcas, battery: battery)
        // The same shape, the same matrix: only costs and bounds are made again.
        let same = warm && model != nil && shape == now
        let p = CoOptimisedBound.program(prices: prices, fcas: fcas, battery: battery, services: nil, hours: dt,
                                         startMWh: startMWh, endAtLeastMWh: endAtLeastMWh, first: first, matrix: !same)
        let m: ClpWarmModel
        if same, let last = model {
            last.update(p.lp)
            if let b = p.block { last.shiftBasis(columnsPerBlock: b.columns, rowsPerBlock: b.rows) }
            m = last
            warmSolves += 1
        } else {
            m = try ClpWarmModel(p.lp)
            model = m
            shape = now
            coldSolves += 1
        }
        do {
            return CoOptimisedBound.solution(p, try m.maximise(), prices: prices, fcas: fcas, battery: battery, hours: dt)
        } catch {
            model = nil  // start afresh next time
            shape = nil
            throw error
        }
    }
}
