import MantaEngine
import MantaIO
import MantaMarket
import MantaModel

/// A VPP's aggregated parameters, from live telemetry and ratings, each
/// member counted at the share the VPP holds of it.
struct VPPCapacity: Sendable, Equatable {
    var members = 0
    /// Members usable with a known state of charge (read or estimated).
    var online = 0
    var socEstimated = 0
    var capacityWh = 0.0
    /// Above each member's soc_min.
    var energyAvailableWh = 0.0
    /// Below each member's soc_max.
    var headroomWh = 0.0
    var maxDischargeW = 0.0
    var maxChargeW = 0.0
    /// Measured power now (+ = discharge).
    var powerW = 0.0
    /// What the fleet could add (up) or absorb (down) from where it stands,
    /// now (power limits) and sustained over the next interval (energy too).
    var availableUpW = 0.0
    var availableDownW = 0.0
    var nextUpW = 0.0
    var nextDownW = 0.0
    /// Median measured setpoint-to-telemetry response of the members.
    var responseTimeS: Double?
    /// Capacity-weighted round-trip efficiency.
    var roundTripEfficiency: Double?

    /// Adds up `views`. A member contributes availability only when it is
    /// online with a known state of charge; a site's export limit caps what
    /// its members can add (`exportRoomW`: site -> W it may still export).
    @LoopActor
    static func of(_ views: [MemberStates.View], responses: ResponseWatch, exportRoomW: (String) -> Double?) -> VPPCapacity {
        var c = VPPCapacity()
        var rteWeighted = 0.0, rteWeight = 0.0
        var responseMs: [Int64] = []
        var upBySite: [String: (now: Double, next: Double)] = [:]
        let hours = Double(MarketTime.intervalMs) / 3_600_000
        for v in views {
            let a = v.asset
            c.members += 1
            c.capacityWh += a.capacityWh.isFinite ? a.capacityWh : 0
            c.maxDischargeW += a.maxDischargeW.isFinite ? a.maxDischargeW : 0
            c.maxChargeW += a.maxChargeW.isFinite ? a.maxChargeW : 0
            if a.roundTripEfficiency.isFinite, a.capacityWh.isFinite {
                rteWeighted += a.roundTripEfficiency * a.capacityWh
                rteWeight += a.capacityWh
            }
            if let r = responses.responseMs(v.member.number) { responseMs.append(r) }
            let power = a.powerW.isFinite ? a.powerW : 0
            c.powerW += power
            guard a.soc.isFinite else { continue }
            c.online += 1
            if v.socQuality == .estimated { c.socEstimated += 1 }
            let spec = a.limits.spec
            let energy = a.soc * a.capacityWh
            c.energyAvailableWh += max(0, energy - spec.minEnergyWh)
            c.headroomWh += max(0, spec.maxEnergyWh - energy)
            let upNow = energy > spec.minEnergyWh ? max(0, a.maxDischargeW - power) : 0
            let upNext = max(0, spec.dischargeHeadroomW(energyWh: energy, hours: hours) - power)
            let down = energy < spec.maxEnergyWh ? max(0, a.maxChargeW + power) : 0
            c.availableDownW += down
            c.nextDownW += max(0, spec.chargeHeadroomW(energyWh: energy, hours: hours) + power)
            upBySite[v.site, default: (0, 0)].now += upNow
            upBySite[v.site, default: (0, 0)].next += upNext
        }
        for (site, up) in upBySite {
            let room = exportRoomW(site).map { max(0, $0) } ?? .infinity
            c.availableUpW += min(up.now, room)
            c.nextUpW += min(up.next, room)
        }
        c.roundTripEfficiency = rteWeight > 0 ? rteWeighted / rteWeight : nil
        if !responseMs.isEmpty {
            responseMs.sort()
            c.responseTimeS = Double(responseMs[responseMs.count / 2]) / 1000
        }
        return c
    }
}

/// vpps.capacity reads every member's telemetry: at 100,000 members that is
/// a quarter of a second of loop time. Asked again within a wall second,
/// the answer is the last one, so a client polling hard cannot stall the
/// loop with it.
@LoopActor
final class CapacityCache {
    static let ttlMs: Int64 = 1000
    private var entries: [String: (atMs: Int64, value: VPPCapacity)] = [:]

    func value(_ key: String, compute: () -> VPPCapacity) -> VPPCapacity {
        let now = WallClock.monotonicMs()
        if let e = entries[key], now - e.atMs < Self.ttlMs { return e.value }
        let v = compute()
        entries[key] = (now, v)
        return v
    }
}
