import MantaABI
import MantaEngine
import MantaModel

/// What a VPP sees of one member: the device's ratings scaled by the share
/// the VPP holds, its state of charge (read, or carried forward by the
/// estimator), and its measured power, also scaled. The dispatch cycle, the
/// closed loop and vpps.capacity all look at members through this.
@LoopActor
final class MemberStates {
    struct View {
        var asset: AssetState
        var device: DeviceDescriptor
        var member: VPPRuntime.Member
        /// Quality of `asset.soc`: good (a fresh reading) or estimated.
        var socQuality: Quality?
        /// Whole-device measured power and its time; nil when none is fresh.
        var powerW: Double?
        var powerMs: Int64?
    }

    private let registry: DeviceRegistry
    private let ingest: TelemetryIngest
    private let health: DeviceWatch
    let estimator: StateEstimator
    private let maxAgeMs: Int64
    let socPoint: UInt32
    let powerPoint: UInt32

    init(registry: DeviceRegistry, ingest: TelemetryIngest, health: DeviceWatch, estimator: StateEstimator,
         catalog: PointCatalog, maxTelemetryAgeMs: Int64) {
        self.registry = registry
        self.ingest = ingest
        self.health = health
        self.estimator = estimator
        maxAgeMs = maxTelemetryAgeMs
        socPoint = catalog["battery.soc"]?.id ?? 0
        powerPoint = catalog["ac.w"]?.id ?? 0
    }

    /// The member's view at `now`; nil when the device is gone.
    func view(_ m: VPPRuntime.Member, nowMs now: Int64) -> View? {
        guard let d = registry.device(number: m.number) else { return nil }
        let latest = ingest.latest
        // An offline device's last reading is not to be acted on: unknown SOC holds it.
        var soc = Double.nan, quality: Quality?
        if health.usable(m.number),
           let r = estimator.soc(device: m.number, reading: latest.latest(device: m.number, point: socPoint), ratings: d.ratings,
                                 nowMs: now, maxFreshMs: maxAgeMs) {
            soc = r.soc
            quality = r.quality
        }
        let p = latest.latest(device: m.number, point: powerPoint)
        let freshPower = p.flatMap { now - $0.timeMs <= maxAgeMs && $0.value.isFinite ? $0 : nil }
        let a = m.allocation, r = d.ratings
        let asset = AssetState(id: d.id, kind: d.kind, soc: soc, capacityWh: r.capacityWh * a, maxChargeW: r.maxChargeW * a,
                               maxDischargeW: r.maxDischargeW * a, socMin: r.socMin, socMax: r.socMax,
                               powerW: freshPower.map { $0.value * a } ?? .nan, roundTripEfficiency: r.roundTripEfficiency)
        return View(asset: asset, device: d, member: m, socQuality: quality, powerW: freshPower?.value,
                    powerMs: freshPower?.timeMs)
    }

    /// The latest-value table, for callers reading many devices.
    var ingestLatest: LatestValues { ingest.latest }

    func views(_ vpp: VPPRuntime, nowMs now: Int64) -> [View] {
        vpp.members.compactMap { view($0, nowMs: now) }
    }
}

extension MemberStates.View {
    /// The member as the fleet split sees it over `hours`: its share's
    /// headroom each way from where its state of charge stands.
    func splitMember(hours: Double) -> FleetSplit.Member {
        let spec = asset.limits.spec
        let energy = asset.soc * asset.capacityWh
        return FleetSplit.Member(soc: asset.soc, capacityWh: asset.capacityWh,
                                 dischargeHeadroomW: spec.dischargeHeadroomW(energyWh: energy, hours: hours),
                                 chargeHeadroomW: spec.chargeHeadroomW(energyWh: energy, hours: hours),
                                 priority: member.priority)
    }
}
