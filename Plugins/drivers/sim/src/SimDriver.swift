import MantaEngine
import MantaJSON
import MantaKit
import MantaSDK

/// Simulated homes, each with a battery and a rooftop PV system.
///
/// Devices 2h and 2h+1 are home h's battery and PV. Every
/// `publish_interval_ms` of host-clock time the driver integrates physics up
/// to now and publishes one batch of samples for the whole fleet.
final class SimDriver: DriverPlugin {
    private let host: PluginHost
    private let config: SimConfig
    private let profile: PVProfile
    private let spec: [BatterySpec]
    private let pvPeakW: [Double]
    private var energyWh: [Double]
    private var commands: [Command?]
    private var pvLimitW: [Command?]
    private var counters: [(exportWh: Double, importWh: Double)]
    private var lastMs: Int64 = 0
    private var running = false
    private let points: Points
    private var batch: [manta_sample_t] = []

    /// A setpoint in force: `valueW` between `fromMs` and `untilMs`.
    struct Command {
        var valueW: Double
        var fromMs: Int64
        var untilMs: Int64
    }

    struct Points {
        let acW, soc, exportWh, importWh: UInt32
    }

    init(host: PluginHost, config json: JSON) throws(PluginError) {
        self.host = host
        config = try SimConfig(json)
        profile = config.pv.profile == "ausgrid"
            ? try PVProfile.loadAusgrid(config.pv.file ?? "")
            : .clearSky(latitude: config.pv.latitude, longitude: config.pv.longitude)
        func point(_ name: String) throws(PluginError) -> UInt32 {
            guard let id = host.pointID(name) else { throw PluginError(MANTA_ERR_UNSUPPORTED, "host catalog has no point \(name)") }
            return id
        }
        points = Points(acW: try point("ac.w"), soc: try point("battery.soc"),
                        exportWh: try point("energy.export_wh"), importWh: try point("energy.import_wh"))
        var rng = SplitMix64(state: config.seed)
        var specs: [BatterySpec] = [], peaks: [Double] = [], energy: [Double] = []
        let b = config.battery
        for _ in 0..<config.homes {
            let size = 1 + config.spread * rng.symmetric()
            let s = BatterySpec(capacityWh: b.capacityWh * size, maxChargeW: b.maxChargeW, maxDischargeW: b.maxDischargeW,
                                roundTripEfficiency: b.roundTripEfficiency, socMin: b.socMin, socMax: b.socMax)
            let soc = min(b.socMax, max(b.socMin, b.initialSoc + config.spread * rng.symmetric()))
            specs.append(s)
            energy.append(soc * s.capacityWh)
            peaks.append(config.pv.peakW * (1 + config.spread * rng.symmetric()))
        }
        if let problem = specs.first?.problems().first { throw .config("battery: \(problem)") }
        spec = specs
        pvPeakW = peaks
        energyWh = energy
        commands = Array(repeating: nil, count: config.homes)
        pvLimitW = Array(repeating: nil, count: config.homes)
        counters = Array(repeating: (0, 0), count: config.homes * 2)
    }

    var deviceCount: Int { config.homes * 2 }

    private func siteName(_ home: Int) -> String {
        let digits = String(home + 1)
        let width = max(3, String(config.homes).count)
        return config.sitePrefix + String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    func device(at index: Int) -> DeviceInfo {
        let home = index / 2
        let site = siteName(home)
        if index % 2 == 0 {
            var d = DeviceInfo(kind: MANTA_DEVICE_BATTERY, key: "\(site).battery", site: site)
            let s = spec[home]
            d.manufacturer = "Manta"
            d.model = "SimBattery"
            d.serial = "SB-\(config.seed)-\(home + 1)"
            d.ratedPowerW = max(s.maxChargeW, s.maxDischargeW)
            d.maxChargeW = s.maxChargeW
            d.maxDischargeW = s.maxDischargeW
            d.capacityWh = s.capacityWh
            d.socMin = s.socMin
            d.socMax = s.socMax
            d.roundTripEfficiency = s.roundTripEfficiency
            d.controllable = true
            return d
        }
        var d = DeviceInfo(kind: MANTA_DEVICE_PV_INVERTER, key: "\(site).pv", site: site)
        d.manufacturer = "Manta"
        d.model = "SimPV"
        d.serial = "SP-\(config.seed)-\(home + 1)"
        d.ratedPowerW = pvPeakW[home]
        d.maxDischargeW = pvPeakW[home]
        d.controllable = true  // export limit only
        return d
    }

    func start() throws(PluginError) {
        lastMs = host.nowMs
        running = true
        publish(at: lastMs)
        host.requestCallback(afterMs: config.publishIntervalMs)
    }

    func stop() { running = false }

    func onCallback() {
        guard running else { return }
        let now = host.nowMs
        advance(to: now)
        publish(at: now)
        host.requestCallback(afterMs: config.publishIntervalMs)
    }

    func apply(_ sp: Setpoint) -> SetpointOutcome {
        guard sp.device >= 0, sp.device < deviceCount else {
            return SetpointOutcome(MANTA_OUTCOME_REJECTED, applied: .nan, "no device \(sp.device)")
        }
        let now = host.nowMs
        advance(to: now)  // the old command governs up to now, the new one after
        guard sp.validUntilMs > now else {
            return SetpointOutcome(MANTA_OUTCOME_REJECTED, applied: .nan, "expired before it arrived")
        }
        let home = sp.device / 2
        if sp.device % 2 == 1 {
            guard sp.mode == MANTA_SETPOINT_EXPORT_LIMIT, sp.value >= 0 else {
                return SetpointOutcome(MANTA_OUTCOME_REJECTED, applied: .nan, "PV accepts a non-negative export limit only")
            }
            pvLimitW[home] = Command(valueW: sp.value, fromMs: sp.validFromMs, untilMs: sp.validUntilMs)
            return SetpointOutcome(MANTA_OUTCOME_APPLIED, applied: sp.value)
        }
        guard sp.mode == MANTA_SETPOINT_ACTIVE_POWER, sp.value.isFinite else {
            return SetpointOutcome(MANTA_OUTCOME_REJECTED, applied: .nan, "battery accepts a finite active power only")
        }
        let s = spec[home]
        let value = min(s.maxDischargeW, max(-s.maxChargeW, sp.value))
        commands[home] = Command(valueW: value, fromMs: sp.validFromMs, untilMs: sp.validUntilMs)
        return value == sp.value
            ? SetpointOutcome(MANTA_OUTCOME_APPLIED, applied: value)
            : SetpointOutcome(MANTA_OUTCOME_CLAMPED, applied: value, "limited to the inverter rating")
    }

    /// Integrates every battery from lastMs to `now`, splitting the span
    /// where a command starts or ends so that each piece has one power.
    private func advance(to now: Int64) {
        guard now > lastMs else { return }
        let sunThen = profile.fraction(atMs: lastMs), sunNow = profile.fraction(atMs: now)
        let pvHours = Double(now - lastMs) / 3_600_000
        for h in 0..<config.homes {
            var t = lastMs
            while t < now {
                var end = now
                var request = 0.0
                if let c = commands[h] {
                    if t < c.fromMs { end = min(end, c.fromMs) }
                    else if t < c.untilMs { end = min(end, c.untilMs); request = c.valueW }
                }
                let hours = Double(end - t) / 3_600_000
                let (p, e) = spec[h].step(energyWh: energyWh[h], requestW: request, hours: hours)
                energyWh[h] = e
                if p > 0 { counters[2 * h].exportWh += p * hours } else { counters[2 * h].importWh -= p * hours }
                t = end
            }
            if let c = commands[h], c.untilMs <= now { commands[h] = nil }
            // Trapezoid rule: PV changes slowly against the publish interval.
            counters[2 * h + 1].exportWh += (pvPower(h, sunThen, at: lastMs) + pvPower(h, sunNow, at: now)) / 2 * pvHours
        }
        lastMs = now
    }

    /// Home `home`'s PV output at `t`, given the profile's fraction then.
    private func pvPower(_ home: Int, _ sun: Double, at t: Int64) -> Double {
        var p = pvPeakW[home] * sun
        if let limit = pvLimitW[home], t >= limit.fromMs, t < limit.untilMs { p = min(p, limit.valueW) }
        return p
    }

    /// The battery's power now: its command if one is in force, held to
    /// what the state of charge allows over the next publish interval.
    private func batteryPower(_ home: Int, at t: Int64) -> Double {
        guard let c = commands[home], t >= c.fromMs, t < c.untilMs else { return 0 }
        let hours = Double(config.publishIntervalMs) / 3_600_000
        return spec[home].step(energyWh: energyWh[home], requestW: c.valueW, hours: hours).powerW
    }

    private func publish(at t: Int64) {
        batch.removeAll(keepingCapacity: true)
        func add(_ device: Int, _ point: UInt32, _ value: Double) {
            batch.append(manta_sample_t(device: UInt32(device), point: point, time_ms: t, value: value,
                                        quality: MANTA_QUALITY_GOOD, reserved: 0))
        }
        let sun = profile.fraction(atMs: t)
        for h in 0..<config.homes {
            add(2 * h, points.acW, batteryPower(h, at: t))
            add(2 * h, points.soc, energyWh[h] / spec[h].capacityWh)
            add(2 * h, points.exportWh, counters[2 * h].exportWh)
            add(2 * h, points.importWh, counters[2 * h].importWh)
            add(2 * h + 1, points.acW, pvPower(h, sun, at: t))
            add(2 * h + 1, points.exportWh, counters[2 * h + 1].exportWh)
        }
        if host.publish(batch) == MANTA_ERR_BUSY {
            host.log(.warn, "host ingest queue full: dropped \(batch.count) samples at \(t)")
        }
    }
}
