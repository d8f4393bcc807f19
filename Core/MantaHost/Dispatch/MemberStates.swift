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
        /// What a setpoint needs of the device (not the whole descriptor:
        /// views are made per member, so copies are kept small).
        var device: FleetSetpoints.Target
        var site: String
        /// The device has a frequency controller (contingency FCAS).
        var respondsToFrequency: Bool
        var member: VPPRuntime.Member
        /// Quality of `asset.soc`: good (a fresh reading) or estimated.
        var socQuality: Quality?
        /// The VPP's own part of the measured power (the device's, less the
        /// parts other VPPs command of it) and its time; nil when none is fresh.
        var powerW: Double?
        var powerMs: Int64?
    }

    private let registry: DeviceRegistry
    private let ingest: TelemetryIngest
    private let health: DeviceWatch
    let estimator: StateEstimator
    private let parts: DeviceParts
    private let maxAgeMs: Int64
    let socPoint: UInt32
    let powerPoint: UInt32
    /// State of charge kept back per device (an import cap's reserve ahead
    /// of its window), added to its soc_min.
    private var reserves: [UInt32: Double] = [:]

    init(registry: DeviceRegistry, ingest: TelemetryIngest, health: DeviceWatch, estimator: StateEstimator,
         parts: DeviceParts, catalog: PointCatalog, maxTelemetryAgeMs: Int64) {
        self.parts = parts
        self.registry = registry
        self.ingest = ingest
        self.health = health
        self.estimator = estimator
        maxAgeMs = maxTelemetryAgeMs
        socPoint = catalog["battery.soc"]?.id ?? 0
        powerPoint = catalog["ac.w"]?.id ?? 0
    }

    /// The member's view at `now` as VPP `vpp` sees it (nil: the whole
    /// device); nil when the device is gone.
    func view(_ m: VPPRuntime.Member, vpp: String? = nil, nowMs now: Int64) -> View? {
        guard let slot = registry.slot(number: m.number) else { return nil }
        let all = registry.devices
        let target = FleetSetpoints.Target(number: m.number, index: all[slot].index, instance: all[slot].instance,
                                           ratings: all[slot].ratings)
        let latest = ingest.latest
        // An offline device's last reading is not to be acted on: unknown SOC holds it.
        var soc = Double.nan, quality: Quality?
        if health.usable(m.number),
           let r = estimator.soc(device: m.number, reading: latest.latest(device: m.number, point: socPoint), ratings: target.ratings,
                                 nowMs: now, maxFreshMs: maxAgeMs) {
            soc = r.soc
            quality = r.quality
        }
        let p = latest.latest(device: m.number, point: powerPoint)
        var freshPower = p.flatMap { now - $0.timeMs <= maxAgeMs && $0.value.isFinite ? $0 : nil }
        if let vpp, freshPower != nil { freshPower?.value -= parts.others(m.number, excluding: vpp, nowMs: now) }
        let a = m.allocation, r = target.ratings
        var socMin = r.socMin
        if !reserves.isEmpty, let extra = reserves[m.number] { socMin = min(r.socMax.isFinite ? r.socMax : 1, (socMin.isFinite ? socMin : 0) + extra) }
        let asset = AssetState(id: all[slot].id, kind: all[slot].kind, soc: soc, capacityWh: r.capacityWh * a, maxChargeW: r.maxChargeW * a,
                               maxDischargeW: r.maxDischargeW * a, socMin: socMin, socMax: r.socMax,
                               powerW: freshPower?.value ?? .nan, roundTripEfficiency: r.roundTripEfficiency)
        return View(asset: asset, device: target, site: all[slot].site, respondsToFrequency: all[slot].respondsToFrequency,
                    member: m, socQuality: quality, powerW: freshPower?.value,
                    powerMs: freshPower?.timeMs)
    }

    /// Keeps `fraction` of `device`'s capacity above its soc_min (0: none).
    func reserve(_ device: UInt32, fraction: Double) {
        reserves[device] = fraction > 0 ? fraction : nil
    }

    /// `device`'s measured power if fresh (within max_telemetry_age_ms), W.
    func powerW(_ device: UInt32, nowMs now: Int64) -> Double? {
        ingest.latest.fresh(device: device, point: powerPoint, nowMs: now, maxAgeMs: maxAgeMs)
    }

    /// What one site's `devices` measure now (fresh readings only): the grid
    /// meter (+ export), the PV's output and the storage's power (+ discharge);
    /// nil where no device of the kind reports.
    func siteFlows(_ devices: [DeviceDescriptor], nowMs now: Int64) -> (gridW: Double?, pvW: Double?, storageW: Double?) {
        func sum(_ kinds: Set<DeviceKind>) -> Double? {
            let readings = devices.filter { kinds.contains($0.kind) }.compactMap { powerW($0.number, nowMs: now) }
            return readings.isEmpty ? nil : readings.reduce(0, +)
        }
        return (devices.first { $0.kind == .meter }.flatMap { powerW($0.number, nowMs: now) }, sum([.pvInverter]),
                sum([.battery, .hybridInverter]))
    }

    /// The latest-value table, for callers reading many devices.
    var ingestLatest: LatestValues { ingest.latest }

    func views(_ vpp: VPPRuntime, nowMs now: Int64) -> [View] {
        vpp.members.compactMap { view($0, vpp: vpp.config.id, nowMs: now) }
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
