import HeapModule

/// The exact upper bound on what a battery could have earned: the optimum of
///
///     maximise   sum_t  p_t (d_t - c_t) dt  -  k d_t dt
///     subject to e_t = e_{t-1} + eta_c c_t dt - d_t dt / eta_d
///                0 <= c_t <= Pc,  0 <= d_t <= Pd,  Emin <= e_t <= Emax
///                e_0 = e0,  e_T >= e0
///
/// with prices p (AUD/MWh), powers c, d (MW), energy e (MWh in the cells),
/// throughput cost k (AUD/MWh discharged) and dt = 5/60 h. It is a linear
/// programme; no complementarity is imposed, so at negative prices the
/// optimum may charge and discharge at once to burn energy in the losses,
/// exactly as an LP solver would.
///
/// Solved exactly in O(T log T) by the "slope trick": F_t(e), the best
/// revenue over the first t intervals ending with energy e, is concave and
/// piecewise linear. One interval adds two segments in the stored-energy
/// coordinate (charging: slope -p/eta_c over eta_c Pc dt; giving up
/// discharge: slope -(p-k) eta_d over Pd dt / eta_d) to the function's
/// multiset of slopes (a sup-convolution), and the energy bounds clip it at
/// both ends: the steepest segments are forced in from the left, the
/// flattest dropped on the right. A min-max heap keeps the segments sorted
/// both ways. Each segment remembers the interval it came from, so the
/// amounts taken give back the schedule, not only the value.
public enum PerfectForesight {
    public struct Solution: Sendable {
        /// The optimum, AUD.
        public var revenue: Double
        /// Charging and discharging power per interval, MW (both may be > 0).
        public var chargeMW: [Double]
        public var dischargeMW: [Double]
        /// Energy in the cells at the end of each interval, MWh.
        public var energyMWh: [Double]
    }

    struct Segment: Comparable {
        var slope: Double
        var length: Double
        /// Interval index; negative (-1 - index) for a discharge segment.
        var tag: Int32

        static func < (a: Segment, b: Segment) -> Bool {
            a.slope != b.slope ? a.slope < b.slope : a.tag < b.tag
        }
    }

    /// Solves the bound for one battery over `prices` (NaN: the interval
    /// is missing and the battery idles through it). With `schedule: false`
    /// only the revenue is computed (the per-interval arrays stay empty).
    ///
    /// `startMWh` and `endAtLeastMWh` override the battery's own start and
    /// end condition (both its initial energy): a planner re-optimising
    /// from the current state uses them. `first` tightens the first
    /// interval's power limits (MW), as the site's room under its network
    /// limits does for the interval being decided.
    public static func solve<Prices: RandomAccessCollection>(
        prices: Prices, battery: BacktestBattery, hours dt: Double = 1.0 / 12, schedule: Bool = true,
        startMWh: Double? = nil, endAtLeastMWh: Double? = nil, first: (chargeMW: Double, dischargeMW: Double)? = nil
    ) -> Solution where Prices.Element == Double, Prices.Index == Int {
        let s = battery.spec
        let etaC = s.chargeEfficiency, etaD = s.dischargeEfficiency, k = battery.costPerMWh
        let pc = s.maxChargeW / 1e6, pd = s.maxDischargeW / 1e6
        let emin = s.minEnergyWh / 1e6, emax = s.maxEnergyWh / 1e6
        let e0 = startMWh ?? battery.initialEnergyWh / 1e6
        let eEnd = max(emin, min(emax, endAtLeastMWh ?? e0))
        let n = prices.count, base = prices.startIndex
        // Lengths below this (MWh) are rounding noise, not energy.
        let eps = 1e-12 * max(1, emax)

        var heap = Heap<Segment>()
        var left = e0, value = 0.0, total = 0.0
        let m = schedule ? n : 0
        var chargeTaken = [Double](repeating: 0, count: m)
        var dischargeTaken = [Double](repeating: 0, count: m)
        var dischargeMax = [Double](repeating: 0, count: m)

        /// Moves the left end right by `amount`, taking the steepest segments.
        func takeFromTop(_ amount: Double) {
            var need = amount
            while need > eps, var top = heap.max {
                let step = min(need, top.length)
                left += step
                value += top.slope * step
                total -= step
                need -= step
                if schedule {
                    if top.tag >= 0 { chargeTaken[Int(top.tag)] += step } else { dischargeTaken[Int(-1 - top.tag)] += step }
                }
                top.length -= step
                if top.length <= eps { heap.removeMax() } else { heap.replaceMax(with: top) }
            }
        }

        for t in 0..<n {
            let p = prices[base + t]
            guard p.isFinite else { continue }
            // Each interval adds its own segments, so a limit on one interval
            // is only shorter segments there: the slope trick stays exact.
            let (pcT, pdT) = t == 0 && first != nil ? (max(0, min(pc, first!.chargeMW)), max(0, min(pd, first!.dischargeMW))) : (pc, pd)
            let x = etaC * pcT * dt, y = pdT * dt / etaD
            if schedule { dischargeMax[t] = y }
            // Base: discharge at full power; the segments undo it or add charge.
            left -= y
            value += (p - k) * etaD * y
            if x > 0 { heap.insert(Segment(slope: -p / etaC, length: x, tag: Int32(t))) }
            if y > 0 { heap.insert(Segment(slope: -(p - k) * etaD, length: y, tag: Int32(-1 - t))) }
            total += x + y
            if left < emin { takeFromTop(emin - left) }
            var excess = left + total - emax
            while excess > eps, var bottom = heap.min {
                let step = min(excess, bottom.length)
                bottom.length -= step
                total -= step
                excess -= step
                if bottom.length <= eps { heap.removeMin() } else { heap.replaceMin(with: bottom) }
            }
        }
        // End with at least the required energy, then take every segment still worth taking.
        if left < eEnd { takeFromTop(eEnd - left) }
        while let top = heap.max, top.slope > 0 { takeFromTop(top.length) }

        var solution = Solution(revenue: value, chargeMW: [Double](repeating: 0, count: m),
                                dischargeMW: [Double](repeating: 0, count: m), energyMWh: [Double](repeating: 0, count: m))
        var e = e0
        for t in 0..<m {
            let stored = chargeTaken[t], drawn = dischargeMax[t] - dischargeTaken[t]
            solution.chargeMW[t] = stored / (etaC * dt)
            solution.dischargeMW[t] = drawn * etaD / dt
            e += stored - drawn
            solution.energyMWh[t] = e
        }
        return solution
    }
}
