import MantaMarket
import MantaText

/// Reads a battery description as the CLI and the API take it:
///
///     power_mw=1,energy_mwh=2,eta_rt=0.9,soc0=0.5[,soc_min=0,soc_max=1,cost_per_mwh=0]
///
/// plus `charge_mw`/`discharge_mw` for asymmetric ratings, `eta_charge`/
/// `eta_discharge` to give each way's efficiency (otherwise each is the
/// square root of eta_rt), `count=N` for N identical batteries, and an FCAS
/// trapezium per service the battery is registered with, as
/// `SERVICE=enablement_min/low_breakpoint/high_breakpoint/enablement_max/max_availability`
/// in MW (`RAISE6SEC=-1/-1/0.2/1/0.4`), which tightens the battery's own in
/// the co-optimised bound.
public enum BatteryArgument {
    static let keys = ["power_mw", "charge_mw", "discharge_mw", "energy_mwh", "eta_rt", "eta_charge", "eta_discharge",
                       "soc0", "soc_min", "soc_max", "cost_per_mwh", "count", "name"]

    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    public static func parse(_ text: String, index: Int = 0) throws(Invalid) -> [BacktestBattery] {
        func bad(_ m: String) -> Invalid { Invalid(description: "--battery \(text): \(m)") }
        var values: [String: Double] = [:]
        var name = "battery-\(index + 1)"
        var trapezia: [FCASService: FCASTrapezium] = [:]
        for part in text.split(separator: ",") {
            let kv = part.split(separator: "=", maxSplits: 1).map { String($0).trimmed }
            guard kv.count == 2 else { throw bad("'\(part)' is not key=value") }
            if let service = FCASService(name: kv[0]), kv[0] == service.name {
                trapezia[service] = try trapezium(kv[1], service, bad)
                continue
            }
            guard keys.contains(kv[0]) else {
                throw bad("unknown key '\(kv[0])' (known: \(keys.joined(separator: ", ")), or an FCAS service's trapezium as RAISE6SEC=...)")
            }
            if kv[0] == "name" { name = kv[1]; continue }
            guard let v = Double(kv[1]), v.isFinite else { throw bad("\(kv[0]) must be a number, got '\(kv[1])'") }
            values[kv[0]] = v
        }
        let power = values["power_mw"]
        guard let charge = values["charge_mw"] ?? power, let discharge = values["discharge_mw"] ?? power else {
            throw bad("power_mw is required (or both charge_mw and discharge_mw)")
        }
        guard let energy = values["energy_mwh"] else { throw bad("energy_mwh is required") }
        for (k, v) in [("power_mw/charge_mw", charge), ("power_mw/discharge_mw", discharge)] where v <= 0 {
            throw bad("\(k) must be > 0, got \(v)")
        }
        guard energy > 0 else { throw bad("energy_mwh must be > 0, got \(energy)") }
        let rt = values["eta_rt"] ?? 0.9
        guard rt > 0 && rt <= 1 else { throw bad("eta_rt must be in (0, 1], got \(rt)") }
        let etaC = values["eta_charge"] ?? rt.squareRoot(), etaD = values["eta_discharge"] ?? rt.squareRoot()
        for (k, v) in [("eta_charge", etaC), ("eta_discharge", etaD)] where !(v > 0 && v <= 1) {
            throw bad("\(k) must be in (0, 1], got \(v)")
        }
        let socMin = values["soc_min"] ?? 0, socMax = values["soc_max"] ?? 1
        guard socMin >= 0 && socMax <= 1 && socMin <= socMax else {
            throw bad("need 0 <= soc_min <= soc_max <= 1, got soc_min=\(socMin), soc_max=\(socMax)")
        }
        let soc0 = values["soc0"] ?? 0.5
        guard soc0 >= socMin && soc0 <= socMax else { throw bad("soc0 must lie within [soc_min, soc_max], got \(soc0)") }
        let cost = values["cost_per_mwh"] ?? 0
        guard cost >= 0 else { throw bad("cost_per_mwh must be >= 0, got \(cost)") }
        let count = values["count"] ?? 1
        guard count >= 1, count == count.rounded(), count <= 1_000_000 else { throw bad("count must be a whole number >= 1") }
        let spec = BatterySpec(capacityWh: energy * 1e6, maxChargeW: charge * 1e6, maxDischargeW: discharge * 1e6,
                               chargeEfficiency: etaC, dischargeEfficiency: etaD, socMin: socMin, socMax: socMax)
        return (0..<Int(count)).map { i in
            BacktestBattery(name: count == 1 ? name : "\(name)-\(i + 1)", spec: spec, initialSoc: soc0, costPerMWh: cost,
                            trapezia: trapezia)
        }
    }

    private static func trapezium(_ text: String, _ service: FCASService, _ bad: (String) -> Invalid) throws(Invalid) -> FCASTrapezium {
        let v = text.split(separator: "/", omittingEmptySubsequences: false).map { Double(String($0).trimmed) }
        guard v.count == 5, v.allSatisfy({ $0 != nil }) else {
            throw bad("\(service.name) must be enablement_min/low_breakpoint/high_breakpoint/enablement_max/max_availability in MW, got '\(text)'")
        }
        let t = FCASTrapezium(enablementMinMW: v[0]!, lowBreakpointMW: v[1]!, highBreakpointMW: v[2]!, enablementMaxMW: v[3]!,
                              maxAvailabilityMW: v[4]!)
        if let p = t.problems(service).first { throw bad(p) }
        return t
    }
}
