import MantaEngine
import MantaJSON
import MantaKit
import MantaSDK

/// Simulated homes: each has a battery and a rooftop PV system, and with
/// `meters` also a household load and the grid meter that sees all three.
///
/// Home h's devices are numbered h * perHome + role (battery, pv, meter,
/// load). Every `publish_interval_ms` of host-clock time the driver
/// integrates physics up to now and publishes one batch for the fleet. The
/// meter reads what the site exchanges with the grid (PV + battery - load,
/// + = export), so a healthy site balances; `faults` make chosen devices
/// read wrong, for the host's diagnostics to find. With a `frequency` trace
/// each battery has a frequency controller (FrequencyResponse) that answers
/// the host's raise and lower response setpoints.
final class SimDriver: DriverPlugin {
    enum Role: Int, CaseIterable { case battery, pv, meter, load }

    private let host: PluginHost
    private let config: SimConfig
    private let sun: PVProfile
    private let use: LoadProfile
    private let perHome: Int
    private let spec: [BatterySpec]
    private let pvPeakW: [Double]
    private let loadMeanW: [Double]
    private var energyWh: [Double]
    private var commands: [Command?]
    private var pvLimitW: [Command?]
    private var response: FrequencyResponse?
    /// Lifetime energy out of / into each device, Wh.
    private var counters: [(exportWh: Double, importWh: Double)]
    private var faults: [Int: SimConfig.Fault] = [:]
    /// The profiles at an instant, the same for every home.
    private var sunMemo = ProfileMemo(), useMemo = ProfileMemo()
    private var stuck: [Int: Double] = [:]
    /// How far each home's physics has been integrated: a setpoint brings
    /// only its own home up to date, so it costs O(1) whatever the fleet.
    private var homeMs: [Int64]
    private var running = false
    private var startMs: Int64 = 0
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
        /// Asked for only with a frequency trace (an older host's catalog may lack it).
        let hz: UInt32?
    }

    init(host: PluginHost, config json: JSON) throws(PluginError) {
        self.host = host
        config = try SimConfig(json)
        sun = config.pv.profile == "ausgrid" ? try PVProfile.ausgrid(config.pv.file ?? "")
            : .clearSky(latitude: config.pv.latitude, longitude: config.pv.longitude)
        use = config.load.profile == "ausgrid" ? try LoadProfile.ausgrid(config.load.file ?? "") : .typical
        perHome = config.meters ? 4 : 2
        func point(_ name: String) throws(PluginError) -> UInt32 {
            guard let id = host.pointID(name) else { throw PluginError(MANTA_ERR_UNSUPPORTED, "host catalog has no point \(name)") }
            return id
        }
        points = Points(acW: try point("ac.w"), soc: try point("battery.soc"),
                        exportWh: try point("energy.export_wh"), importWh: try point("energy.import_wh"),
                        hz: config.frequency == nil ? nil : try point("ac.hz"))
        var rng = SplitMix64(state: config.seed)
        var specs: [BatterySpec] = [], peaks: [Double] = [], loads: [Double] = [], energy: [Double] = []
        let b = config.battery
        for _ in 0..<config.homes {
            let size = 1 + config.spread * rng.symmetric()
            let s = BatterySpec(capacityWh: b.capacityWh * size, maxChargeW: b.maxChargeW, maxDischargeW: b.maxDischargeW,
                                roundTripEfficiency: b.roundTripEfficiency, socMin: b.socMin, socMax: b.socMax)
            let soc = min(b.socMax, max(b.socMin, b.initialSoc + config.spread * rng.symmetric()))
            specs.append(s)
            energy.append(soc * s.capacityWh)
            peaks.append(config.pv.peakW * (1 + config.spread * rng.symmetric()))
            loads.append(config.load.meanW * (1 + config.spread * rng.symmetric()))
        }
        if let problem = specs.first?.problems().first { throw .config("battery: \(problem)") }
        spec = specs
        pvPeakW = peaks
        loadMeanW = loads
        energyWh = energy
        commands = Array(repeating: nil, count: config.homes)
        homeMs = Array(repeating: 0, count: config.homes)
        pvLimitW = Array(repeating: nil, count: config.homes)
        counters = Array(repeating: (0, 0), count: config.homes * perHome)
        if let f = config.frequency { response = FrequencyResponse(source: try FrequencySource(f), homes: config.homes) }
        for (i, f) in config.faults.enumerated() {
            guard let index = (0..<deviceCount).first(where: { key($0) == f.key }) else {
                throw .config("faults[\(i)].device: no device \(f.key) in this fleet")
            }
            faults[index] = f
        }
    }

    var deviceCount: Int { config.homes * perHome }

    private func role(_ index: Int) -> Role { Role(rawValue: index % perHome)! }

    private func siteName(_ home: Int) -> String {
        let digits = String(home + 1)
        let width = max(3, String(config.homes).count)
        return config.sitePrefix + String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    private func key(_ index: Int) -> String {
        let suffix: String
        switch role(index) {
        case .battery: suffix = "battery"
        case .pv: suffix = "pv"
        case .meter: suffix = "meter"
        case .load: suffix = "load"
        }
        return "\(siteName(index / perHome)).\(suffix)"
    }

    func device(at index: Int) -> DeviceInfo {
        let home = index / perHome, site = siteName(home)
        var d: DeviceInfo
        switch role(index) {
        case .battery:
            d = DeviceInfo(kind: .battery, key: key(index), site: site)
            let s = spec[home]
            d.model = "SimBattery"
            d.ratings.ratedPowerW = max(s.maxChargeW, s.maxDischargeW)
            d.ratings.maxChargeW = s.maxChargeW
            d.ratings.maxDischargeW = s.maxDischargeW
            d.ratings.capacityWh = s.capacityWh
            d.ratings.socMin = s.socMin
            d.ratings.socMax = s.socMax
            d.ratings.roundTripEfficiency = s.roundTripEfficiency
            d.controllable = true
            d.respondsToFrequency = response != nil
        case .pv:
            d = DeviceInfo(kind: .pvInverter, key: key(index), site: site)
            d.model = "SimPV"
            d.ratings.ratedPowerW = pvPeakW[home]
            d.ratings.maxDischargeW = pvPeakW[home]
            d.controllable = true  // export limit only
        case .meter:
            d = DeviceInfo(kind: .meter, key: key(index), site: site)
            d.model = "SimMeter"
            d.ratings.ratedPowerW = spec[home].maxDischargeW + pvPeakW[home] + 4 * loadMeanW[home]
            d.readOnly = true
        case .load:
            d = DeviceInfo(kind: .load, key: key(index), site: site)
            d.model = "SimLoad"
            d.ratings.ratedPowerW = 4 * loadMeanW[home]
            d.ratings.maxChargeW = 4 * loadMeanW[home]
            d.readOnly = true
        }
        d.manufacturer = "Manta"
        d.serial = "S\(role(index).rawValue)-\(config.seed)-\(home + 1)"
        return d
    }

    func start() throws(PluginError) {
        let now = host.nowMs
        for h in homeMs.indices { homeMs[h] = now }
        startMs = now
        response?.source.startMs = now
        running = true
        publish(at: now)
        host.requestCallback(afterMs: config.publishIntervalMs)
    }

    func stop() { running = false }

    func onCallback() {
        guard running else { return }
        let now = host.nowMs
        advance(to: now)
        publish(at: now)
        // On the grid of publish times from start, so that late callbacks do
        // not drift the samples (a replayed frequency trace is read by them).
        let late = (now - startMs) % config.publishIntervalMs
        host.requestCallback(afterMs: config.publishIntervalMs - max(0, late))
    }

    func apply(_ sp: Setpoint) -> SetpointOutcome { apply(sp, now: host.nowMs) }

    /// A fleet's batch (apply_setpoints): one clock reading, then O(1) each.
    func apply(_ setpoints: [Setpoint]) -> [SetpointOutcome] {
        let now = host.nowMs
        return setpoints.map { apply($0, now: now) }
    }

    /// Finds the home by arithmetic on the index and integrates only that
    /// home up to `now`.
    private func apply(_ sp: Setpoint, now: Int64) -> SetpointOutcome {
        guard sp.device >= 0, sp.device < deviceCount else {
            return SetpointOutcome(.rejected, applied: .nan, "no device \(sp.device)")
        }
        let home = sp.device / perHome
        advance(home: home, to: now)  // the old command governs up to now, the new one after
        guard sp.validUntilMs > now else {
            return SetpointOutcome(.rejected, applied: .nan, "expired before it arrived")
        }
        switch role(sp.device) {
        case .meter, .load:
            return SetpointOutcome(.rejected, applied: .nan, "\(key(sp.device)) is read-only")
        case .pv:
            guard sp.mode == .exportLimit, sp.value >= 0 else {
                return SetpointOutcome(.rejected, applied: .nan, "PV accepts a non-negative export limit only")
            }
            pvLimitW[home] = Command(valueW: sp.value, fromMs: sp.validFromMs, untilMs: sp.validUntilMs)
            return SetpointOutcome(.applied, applied: sp.value)
        case .battery where sp.mode == .raiseResponse || sp.mode == .lowerResponse:
            guard response != nil else {
                return SetpointOutcome(.rejected, applied: .nan, "no frequency controller: this fleet has no frequency trace")
            }
            let s = spec[home]
            return response!.take(sp, home: home, swingW: s.maxChargeW + s.maxDischargeW)
        case .battery:
            guard sp.mode == .activePower, sp.value.isFinite else {
                return SetpointOutcome(.rejected, applied: .nan, "battery accepts a finite active power only")
            }
            let s = spec[home]
            let value = min(s.maxDischargeW, max(-s.maxChargeW, sp.value))
            // Acknowledges, as a faulty inverter does, and keeps doing what it did.
            if faults[sp.device]?.kind == .ignoresSetpoints { return SetpointOutcome(.applied, applied: value) }
            commands[home] = Command(valueW: value, fromMs: sp.validFromMs, untilMs: sp.validUntilMs)
            return value == sp.value
                ? SetpointOutcome(.applied, applied: value)
                : SetpointOutcome(.clamped, applied: value, "limited to the inverter rating")
        }
    }

    /// Integrates every home up to `now`.
    private func advance(to now: Int64) {
        for h in 0..<config.homes { advance(home: h, to: now) }
    }

    /// Integrates home `h` from where it stands to `now`, splitting the span
    /// where a command starts or ends, and where its frequency response may
    /// change, so that each piece has one battery power.
    private func advance(home h: Int, to now: Int64) {
        let lastMs = homeMs[h]
        guard now > lastMs else { return }
        let hours = Double(now - lastMs) / 3_600_000
        var t = lastMs
        var batteryWh = 0.0
        while t < now {
            var end = now
            var request = 0.0
            if let c = commands[h] {
                if t < c.fromMs { end = min(end, c.fromMs) }
                else if t < c.untilMs { end = min(end, c.untilMs); request = c.valueW }
            }
            if let r = response, let next = r.nextChangeMs(h, after: t) {
                end = min(end, next)
                request += r.extraW(h, at: t)
            }
            let piece = Double(end - t) / 3_600_000
            let (p, e) = spec[h].step(energyWh: energyWh[h], requestW: request, hours: piece)
            energyWh[h] = e
            batteryWh += p * piece
            t = end
        }
        if let c = commands[h], c.untilMs <= now { commands[h] = nil }
        // Trapezoid rule: PV and load change slowly against the publish interval.
        let pvWh = (pvPower(h, at: lastMs) + pvPower(h, at: now)) / 2 * hours
        let loadWh = (loadPower(h, at: lastMs) + loadPower(h, at: now)) / 2 * hours
        count(h * perHome + Role.battery.rawValue, batteryWh)
        count(h * perHome + Role.pv.rawValue, pvWh)
        if config.meters {
            count(h * perHome + Role.load.rawValue, -loadWh)
            count(h * perHome + Role.meter.rawValue, batteryWh + pvWh - loadWh)
        }
        homeMs[h] = now
    }

    private func count(_ device: Int, _ wh: Double) {
        if wh > 0 { counters[device].exportWh += wh } else { counters[device].importWh -= wh }
    }

    /// Home `home`'s PV output at `t`.
    private func pvPower(_ home: Int, at t: Int64) -> Double {
        let sun = self.sun
        var p = pvPeakW[home] * sunMemo.value(at: t) { sun.fraction(atMs: $0) }
        if let limit = pvLimitW[home], t >= limit.fromMs, t < limit.untilMs { p = min(p, limit.valueW) }
        return p
    }

    /// Home `home`'s consumption at `t` (a magnitude).
    private func loadPower(_ home: Int, at t: Int64) -> Double {
        let use = self.use
        return loadMeanW[home] * useMemo.value(at: t) { use.multiple(atMs: $0) }
    }

    /// The battery's power now: its command if one is in force, held to
    /// what the state of charge allows over the next publish interval.
    private func batteryPower(_ home: Int, at t: Int64) -> Double {
        var request = response?.extraW(home, at: t) ?? 0
        if let c = commands[home], t >= c.fromMs, t < c.untilMs { request += c.valueW }
        guard request != 0 else { return 0 }
        let hours = Double(config.publishIntervalMs) / 3_600_000
        return spec[home].step(energyWh: energyWh[home], requestW: request, hours: hours).powerW
    }

    private func publish(at t: Int64) {
        batch.removeAll(keepingCapacity: true)
        for h in 0..<config.homes {
            let base = h * perHome
            let battery = batteryPower(h, at: t), pv = pvPower(h, at: t)
            add(base, points.acW, battery, t)
            add(base, points.soc, energyWh[h] / spec[h].capacityWh, t)
            add(base, points.exportWh, counters[base].exportWh, t)
            add(base, points.importWh, counters[base].importWh, t)
            if let r = response, let hz = points.hz { add(base, hz, r.frequency(atMs: t), t) }
            add(base + 1, points.acW, pv, t)
            add(base + 1, points.exportWh, counters[base + 1].exportWh, t)
            if config.meters {
                let load = loadPower(h, at: t)
                add(base + 2, points.acW, battery + pv - load, t)
                add(base + 2, points.exportWh, counters[base + 2].exportWh, t)
                add(base + 2, points.importWh, counters[base + 2].importWh, t)
                add(base + 3, points.acW, -load, t)
                add(base + 3, points.importWh, counters[base + 3].importWh, t)
            }
        }
        if host.publish(batch) == MANTA_ERR_BUSY {
            host.log(.warn, "host ingest queue full: dropped \(batch.count) samples at \(t)")
        }
    }

    /// Queues one sample, as the device's fault (if any) would have it read.
    private func add(_ device: Int, _ point: UInt32, _ value: Double, _ t: Int64) {
        var v = value
        if let f = faults[device] {
            guard f.kind != .silent else { return }  // a silent device sends nothing at all
            if point == points.acW {  // the other faults corrupt the AC power reading only
                switch f.kind {
                case .signFlip: v = -value
                case .offset: v = value + f.offsetW
                case .stuck: v = stuck[device] ?? value; stuck[device] = v
                case .silent, .ignoresSetpoints: break
                }
            }
        }
        batch.append(manta_sample_t(device: UInt32(device), point: point, time_ms: t, value: v,
                                    quality: MANTA_QUALITY_GOOD, reserved: 0))
    }
}
