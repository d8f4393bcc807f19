import MantaLP
import MantaMarket

/// The exact upper bound on what a price-taker battery could have earned in
/// energy and FCAS together: the optimum of, per 5-minute interval t,
///
///     maximise  sum_t dt [ p_t (d - c) - k d + sum_s pi_s,t v_s ]
///     s.t.      e_t = e_{t-1} + eta_c c dt - d dt / eta_d,  Emin <= e_t <= Emax,  e_T >= e_0
///               0 <= c <= Pc,  0 <= d <= Pd,  0 <= v_s <= MaxAvail_s
///               each service's joint capacity constraints (FCASTrapezium)
///               e_t - sum_raise v_s h_s / eta_d >= Emin,  e_t + sum_lower v_s h_s eta_c <= Emax
///
/// with v_s the enablement (MW) of each service priced in the interval, pi
/// its price (AUD/MW/h), h_s the hours it must be sustained
/// (FCASService.sustainHours) and dt = 5/60 h. The sustain rows keep enough
/// energy in the cells to deliver every raise enabled (and room for every
/// lower) for as long as the service demands; regulation's net energy over
/// an interval is neglected, as the issue that specifies this bound says.
///
/// With the battery's own trapezia this is NEMDE's FCAS model at battery
/// level (EnablementMin = -Pc, EnablementMax = Pd): for each contingency
/// raise service d - c + r_s + r_REG <= Pd, for each lower c - d + l_s +
/// l_REG <= Pc, and regulation alone the same without the contingency term.
/// A trapezium the battery is given adds its own rows and availability, so
/// it can only tighten the bound.
///
/// Solved by Clp's dual simplex (MantaLP). Without any FCAS prices the
/// programme is exactly PerfectForesight's, and so is its optimum.
public enum CoOptimisedBound {
    public struct Solution: Sendable {
        /// The optimum, AUD: energy revenue (after throughput cost) plus FCAS.
        public var revenue: Double
        public var energyRevenue: Double
        /// FCAS availability revenue per service, AUD (0 where not priced).
        public var fcasRevenue: [FCASService: Double]
        public var chargeMW: [Double]
        public var dischargeMW: [Double]
        public var energyMWh: [Double]
        /// Enablement per service per interval, MW.
        public var enablementMW: [FCASService: [Double]]
        /// Size of the programme solved, and the simplex iterations it took.
        public var columns: Int
        public var rows: Int
        public var iterations: Int

        public var fcasRevenueTotal: Double { fcasRevenue.values.reduce(0, +) }
    }

    /// Solves the bound for one battery over `prices` and `fcas` (one entry
    /// per 5-minute slot; an energy price of NaN idles the battery through
    /// the slot, an FCAS price of NaN means that service is not offered in
    /// it). `services` limits the markets co-optimised (nil: every one
    /// priced; empty: energy only).
    ///
    /// `startMWh` and `endAtLeastMWh` override the battery's own start and
    /// end condition (both its initial energy): a planner re-optimising
    /// from the current state uses them.
    /// `first` bounds the first interval's charging and discharging further
    /// (MW): a site's room under its export limit and import cap (SiteRoom).
    public static func solve(prices: [Double], fcas: [FCASPrices], battery: BacktestBattery,
                             services: Set<FCASService>? = nil, hours dt: Double = 1.0 / 12,
                             startMWh: Double? = nil, endAtLeastMWh: Double? = nil,
                             first: (chargeMW: Double, dischargeMW: Double)? = nil) throws(LPError) -> Solution {
        let p = program(prices: prices, fcas: fcas, battery: battery, services: services, hours: dt, startMWh: startMWh,
                        endAtLeastMWh: endAtLeastMWh, first: first)
        return solution(p, try ClpSolver.maximise(p.lp), prices: prices, fcas: fcas, battery: battery, hours: dt)
    }

    /// The programme and where its variables are.
    struct Program {
        var lp: LinearProgram
        var charge: [Int]
        var discharge: [Int]
        var energy: [Int]
        /// Each service's column per slot (-1: none), by FCASService.rawValue.
        var enablement: [[Int]]
        var offered: [FCASService]
        /// Columns and rows per slot when every slot has the same (what a
        /// rolling horizon's basis is shifted by), else nil.
        var block: (columns: Int, rows: Int)?
    }

    /// Builds the programme `solve` solves (its arguments); without
    /// `matrix`, its costs and bounds only (for a solver that holds the
    /// matrix already: `shape` says when it does).
    static func program(prices: [Double], fcas: [FCASPrices], battery: BacktestBattery, services: Set<FCASService>?,
                        hours dt: Double, startMWh: Double?, endAtLeastMWh: Double?,
                        first: (chargeMW: Double, dischargeMW: Double)? = nil, matrix: Bool = true) -> Program {
        precondition(prices.count == fcas.count, "one FCAS record per energy price")
        let s = battery.spec, n = prices.count
        let etaC = s.chargeEfficiency, etaD = s.dischargeEfficiency, k = battery.costPerMWh
        let pc = s.maxChargeW / 1e6, pd = s.maxDischargeW / 1e6
        let emin = s.minEnergyWh / 1e6, emax = s.maxEnergyWh / 1e6, e0 = startMWh ?? battery.initialEnergyWh / 1e6
        let eEnd = max(emin, min(emax, endAtLeastMWh ?? e0))
        let offered = FCASService.allCases.filter { v in
            (services?.contains(v) ?? true) && fcas.contains { !$0[v].isNaN }
        }
        // By FCASService.rawValue, looked up per slot without hashing (a planner builds this every interval).
        var own = [FCASTrapezium?](repeating: nil, count: FCASService.allCases.count), given = own
        for v in offered {
            own[v.rawValue] = FCASTrapezium.battery(chargeMW: pc, dischargeMW: pd, raise: v.isRaise)
            given[v.rawValue] = battery.trapezia[v]
        }

        var lp = LinearProgram(recordsMatrix: matrix)
        lp.reserve(columns: n * (3 + offered.count), rows: n * (3 + offered.count), nonZeros: n * (4 + 5 * offered.count))
        var charge = [Int](repeating: 0, count: n), discharge = charge, energy = charge
        var enablement = [[Int]](repeating: [Int](repeating: -1, count: n), count: FCASService.allCases.count)
        var block: (columns: Int, rows: Int)?, uniform = true
        var raise: [(column: Int, coefficient: Double)] = [], lower = raise
        for t in 0..<n {
            let (firstColumn, firstRow) = (lp.columns, lp.rows)
            defer {
                let w = (columns: lp.columns - firstColumn, rows: lp.rows - firstRow)
                if let b = block { uniform = uniform && b == w } else { block = w }
            }
            let p = prices[t], live = p.isFinite
            // A bound, not a row: the first interval's room leaves the matrix (and a warm basis) as it was.
            let (c, d) = t == 0 ? first.map { (min(pc, max(0, $0.chargeMW)), min(pd, max(0, $0.dischargeMW))) } ?? (pc, pd) : (pc, pd)
            charge[t] = lp.addColumn(cost: live ? -p * dt : 0, lower: 0, upper: live ? c : 0)
            discharge[t] = lp.addColumn(cost: live ? (p - k) * dt : 0, lower: 0, upper: live ? d : 0)
            energy[t] = lp.addColumn(cost: 0, lower: t == n - 1 ? eEnd : emin, upper: emax)
            // e_t - e_{t-1} - eta_c dt c + dt / eta_d d = 0, e_{-1} = e0.
            if t > 0 {
                lp.addRow([(energy[t], 1), (charge[t], -etaC * dt), (discharge[t], dt / etaD), (energy[t - 1], -1)], lower: 0, upper: 0)
            } else {
                lp.addRow([(energy[t], 1), (charge[t], -etaC * dt), (discharge[t], dt / etaD)], lower: e0, upper: e0)
            }
            guard live else { continue }
            let prices = fcas[t]
            for v in offered where !prices[v].isNaN {
                var most = own[v.rawValue]!.maxAvailabilityMW
                if let g = given[v.rawValue] { most = min(most, g.maxAvailabilityMW) }
                if most > 0 { enablement[v.rawValue][t] = lp.addColumn(cost: prices[v] * dt, lower: 0, upper: most) }
            }
            raise.removeAll(keepingCapacity: true)
            lower.removeAll(keepingCapacity: true)
            for v in offered where enablement[v.rawValue][t] >= 0 {
                addJointCapacity(&lp, v, own[v.rawValue]!, t: t, charge: charge[t], discharge: discharge[t], enablement: enablement)
                if let g = given[v.rawValue] {
                    addJointCapacity(&lp, v, g, t: t, charge: charge[t], discharge: discharge[t], enablement: enablement)
                }
                if v.isRaise { raise.append((enablement[v.rawValue][t], -v.sustainHours / etaD)) }
                else { lower.append((enablement[v.rawValue][t], v.sustainHours * etaC)) }
            }
            if !raise.isEmpty { lp.addRow([(column: energy[t], coefficient: 1.0)] + raise, lower: emin, upper: .infinity) }
            if !lower.isEmpty { lp.addRow([(column: energy[t], coefficient: 1.0)] + lower, lower: -.infinity, upper: emax) }
        }
        return Program(lp: lp, charge: charge, discharge: discharge, energy: energy, enablement: enablement, offered: offered,
                       block: uniform ? block : nil)
    }

    /// What the programme's matrix depends on: two programmes of one shape
    /// have the same matrix and differ only in costs and bounds. Per slot,
    /// whether its energy is priced and which services are.
    struct Shape: Equatable {
        var spec: BatterySpec
        var trapezia: [FCASService: FCASTrapezium]
        var slots: [UInt16]

        init(prices: [Double], fcas: [FCASPrices], battery: BacktestBattery) {
            spec = battery.spec
            trapezia = battery.trapezia
            slots = zip(prices, fcas).map { p, f in
                var bits: UInt16 = p.isFinite ? 1 << 15 : 0
                for v in FCASService.allCases where !f[v].isNaN { bits |= 1 << UInt16(v.rawValue) }
                return bits
            }
        }
    }

    /// Reads the optimum `x` of `p` (built from these arguments).
    static func solution(_ p: Program, _ x: LPSolution, prices: [Double], fcas: [FCASPrices], battery: BacktestBattery,
                         hours dt: Double) -> Solution {
        let (lp, charge, discharge, energy, enablement, k) = (p.lp, p.charge, p.discharge, p.energy, p.enablement, battery.costPerMWh)
        var solution = Solution(revenue: x.objective, energyRevenue: 0, fcasRevenue: [:],
                                chargeMW: charge.map { max(0, x.x[$0]) }, dischargeMW: discharge.map { max(0, x.x[$0]) },
                                energyMWh: energy.map { x.x[$0] }, enablementMW: [:],
                                columns: lp.columns, rows: lp.rows, iterations: x.iterations)
        for t in prices.indices where prices[t].isFinite {
            solution.energyRevenue += dt * (prices[t] * (solution.dischargeMW[t] - solution.chargeMW[t]) - k * solution.dischargeMW[t])
        }
        for v in p.offered {
            let mw = enablement[v.rawValue].map { $0 >= 0 ? max(0, x.x[$0]) : 0 }
            solution.enablementMW[v] = mw
            var sum = 0.0
            for t in mw.indices where mw[t] > 0 { sum += FCASService.availabilityRevenue(mw: mw[t], price: fcas[t][v], hours: dt) }
            solution.fcasRevenue[v] = sum
        }
        return solution
    }

    /// The two joint capacity rows of `trapezium` for service `v` in slot
    /// `t` (x = d - c): x + USC v [+ raise reg] <= EnMax and x - LSC v
    /// [- lower reg] >= EnMin, each only where its slope involves v.
    /// Contingency services carry their side's regulation; regulation
    /// stands alone.
    private static func addJointCapacity(_ lp: inout LinearProgram, _ v: FCASService, _ trapezium: FCASTrapezium, t: Int,
                                         charge: Int, discharge: Int, enablement: [[Int]]) {
        let column = enablement[v.rawValue][t]
        func regulation(_ r: FCASService) -> [(column: Int, coefficient: Double)] {
            let j = enablement[r.rawValue][t]
            return v.isRegulation || j < 0 ? [] : [(j, 1)]
        }
        if trapezium.upperSlope > 0 {
            lp.addRow([(discharge, 1), (charge, -1), (column, trapezium.upperSlope)] + regulation(.raiseReg),
                      lower: -.infinity, upper: trapezium.enablementMaxMW)
        }
        if trapezium.lowerSlope > 0 {
            // -(x - LSC v - reg) <= -EnMin
            lp.addRow([(charge, 1), (discharge, -1), (column, trapezium.lowerSlope)] + regulation(.lowerReg),
                      lower: -.infinity, upper: -trapezium.enablementMinMW)
        }
    }
}
