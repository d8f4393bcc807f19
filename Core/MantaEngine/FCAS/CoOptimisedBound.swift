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
    public static func solve(prices: [Double], fcas: [FCASPrices], battery: BacktestBattery,
                             services: Set<FCASService>? = nil, hours dt: Double = 1.0 / 12,
                             startMWh: Double? = nil, endAtLeastMWh: Double? = nil) throws(LPError) -> Solution {
        precondition(prices.count == fcas.count, "one FCAS record per energy price")
        let s = battery.spec, n = prices.count
        let etaC = s.chargeEfficiency, etaD = s.dischargeEfficiency, k = battery.costPerMWh
        let pc = s.maxChargeW / 1e6, pd = s.maxDischargeW / 1e6
        let emin = s.minEnergyWh / 1e6, emax = s.maxEnergyWh / 1e6, e0 = startMWh ?? battery.initialEnergyWh / 1e6
        let eEnd = max(emin, min(emax, endAtLeastMWh ?? e0))
        let offered = FCASService.allCases.filter { v in
            (services?.contains(v) ?? true) && fcas.contains { !$0[v].isNaN }
        }
        let own = Dictionary(uniqueKeysWithValues: offered.map { ($0, FCASTrapezium.battery(chargeMW: pc, dischargeMW: pd, raise: $0.isRaise)) })

        var lp = LinearProgram()
        lp.reserve(columns: n * (3 + offered.count), rows: n * (3 + offered.count), nonZeros: n * (4 + 5 * offered.count))
        var charge = [Int](repeating: 0, count: n), discharge = charge, energy = charge
        var enablement = Dictionary(uniqueKeysWithValues: offered.map { ($0, [Int](repeating: -1, count: n)) })
        for t in 0..<n {
            let p = prices[t], live = p.isFinite
            charge[t] = lp.addColumn(cost: live ? -p * dt : 0, lower: 0, upper: live ? pc : 0)
            discharge[t] = lp.addColumn(cost: live ? (p - k) * dt : 0, lower: 0, upper: live ? pd : 0)
            energy[t] = lp.addColumn(cost: 0, lower: t == n - 1 ? eEnd : emin, upper: emax)
            // e_t - e_{t-1} - eta_c dt c + dt / eta_d d = 0, e_{-1} = e0.
            var balance: [(column: Int, coefficient: Double)] = [(energy[t], 1), (charge[t], -etaC * dt), (discharge[t], dt / etaD)]
            if t > 0 { balance.append((energy[t - 1], -1)) }
            lp.addRow(balance, lower: t == 0 ? e0 : 0, upper: t == 0 ? e0 : 0)
            guard live else { continue }
            for v in offered where !fcas[t][v].isNaN {
                var most = own[v]!.maxAvailabilityMW
                if let given = battery.trapezia[v] { most = min(most, given.maxAvailabilityMW) }
                if most > 0 { enablement[v]![t] = lp.addColumn(cost: fcas[t][v] * dt, lower: 0, upper: most) }
            }
            for v in offered where enablement[v]![t] >= 0 {
                addJointCapacity(&lp, v, own[v]!, t: t, charge: charge[t], discharge: discharge[t], enablement: enablement)
                if let given = battery.trapezia[v] {
                    addJointCapacity(&lp, v, given, t: t, charge: charge[t], discharge: discharge[t], enablement: enablement)
                }
            }
            let raise = offered.filter { $0.isRaise && enablement[$0]![t] >= 0 }
            let lower = offered.filter { !$0.isRaise && enablement[$0]![t] >= 0 }
            if !raise.isEmpty {
                lp.addRow([(energy[t], 1)] + raise.map { (enablement[$0]![t], -$0.sustainHours / etaD) }, lower: emin, upper: .infinity)
            }
            if !lower.isEmpty {
                lp.addRow([(energy[t], 1)] + lower.map { (enablement[$0]![t], $0.sustainHours * etaC) }, lower: -.infinity, upper: emax)
            }
        }

        let x = try ClpSolver.maximise(lp)
        var solution = Solution(revenue: x.objective, energyRevenue: 0, fcasRevenue: [:],
                                chargeMW: charge.map { max(0, x.x[$0]) }, dischargeMW: discharge.map { max(0, x.x[$0]) },
                                energyMWh: energy.map { x.x[$0] }, enablementMW: [:],
                                columns: lp.columns, rows: lp.rows, iterations: x.iterations)
        for t in 0..<n where prices[t].isFinite {
            solution.energyRevenue += dt * (prices[t] * (solution.dischargeMW[t] - solution.chargeMW[t]) - k * solution.dischargeMW[t])
        }
        for v in offered {
            let mw = enablement[v]!.map { $0 >= 0 ? max(0, x.x[$0]) : 0 }
            solution.enablementMW[v] = mw
            var sum = 0.0
            for t in 0..<n where mw[t] > 0 { sum += FCASService.availabilityRevenue(mw: mw[t], price: fcas[t][v], hours: dt) }
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
                                         charge: Int, discharge: Int, enablement: [FCASService: [Int]]) {
        let column = enablement[v]![t]
        func regulation(_ r: FCASService) -> [(column: Int, coefficient: Double)] {
            guard !v.isRegulation, let j = enablement[r]?[t], j >= 0 else { return [] }
            return [(j, 1)]
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
