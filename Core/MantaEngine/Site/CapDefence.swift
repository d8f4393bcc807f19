/// How batteries behind a meter defend an import cap over one interval of
/// its window. Two rules, in order:
/// 1. The site's import must meet the cap: if the batteries together would
///    discharge less than the site's net load over the cap, their targets
///    are raised by the shortfall, shared by what each can still discharge.
/// 2. A discharge past what the cap needs (for the market, say) may spend
///    only the energy above `keepWh`, what the rest of the window needs:
///    otherwise a strategy exporting at a high price in the first hour
///    leaves the second uncovered.
public enum CapDefence {
    /// Adjusts `targets` (W, + discharge) for the interval. `siteNetW` is
    /// the site's load less its PV (W), `energyWh` what each battery
    /// holds, `hours` the interval's length.
    public static func hold(_ targets: inout [Double], siteNetW: Double, limitW: Double, keepWh: Double,
                            specs: [BatterySpec], energyWh: [Double], hours: Double) {
        let needed = siteNetW - limitW
        let shortfall = needed - targets.reduce(0, +)
        if shortfall > 0 {
            let room = targets.indices.map { j in max(0, specs[j].dischargeHeadroomW(energyWh: energyWh[j], hours: hours) - targets[j]) }
            let total = room.reduce(0, +)
            guard total > 0 else { return }
            for j in targets.indices { targets[j] += min(room[j], shortfall * room[j] / total) }
            return
        }
        let asked = targets.map { max(0, $0) }.reduce(0, +)
        let usable = specs.indices.map { max(0, energyWh[$0] - specs[$0].socMin * specs[$0].capacityWh) }.reduce(0, +)
        // What may leave the cells this interval, the cap's own need included.
        let allowed = max(needed, max(0, usable - keepWh) / hours)
        guard asked > allowed, asked > 0 else { return }
        let k = allowed / asked
        for j in targets.indices where targets[j] > 0 { targets[j] *= k }
    }
}

extension CapDefence {
    /// A reading of power over time: from `tMs` until the next reading.
    public typealias Reading = (tMs: Int64, w: Double)

    /// The energy a site's load spent above a cap (Wh), from its meter's
    /// import readings (W, + import) and its batteries' (W, + discharge),
    /// each held until its next reading. The batteries' discharge is added
    /// back: on a day they held the cap the meter shows none above it, yet
    /// they covered it, and the reserve planned from that day must too.
    public static func energyAboveCapWh(meterImport: [Reading], storage: [[Reading]], limitW: Double) -> Double {
        var above = 0.0
        var next = [Int](repeating: 0, count: storage.count)
        for (a, b) in zip(meterImport, meterImport.dropFirst()) {
            var discharge = 0.0
            for (k, rows) in storage.enumerated() {
                while next[k] < rows.count, rows[next[k]].tMs <= a.tMs { next[k] += 1 }
                if next[k] > 0 { discharge += rows[next[k] - 1].w }  // none yet: taken as idle
            }
            above += max(0, a.w + discharge - limitW) * Double(b.tMs - a.tMs) / 3_600_000
        }
        return above
    }
}
