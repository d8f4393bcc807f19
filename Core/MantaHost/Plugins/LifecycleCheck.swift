import Glibc
import MantaABI
import MantaEngine
import MantaIO
import MantaJSON
import MantaMarket
import MantaModel
import MantaSDK

/// The part of `manta plugin check` that runs plugin code: load, init,
/// create, a probe of the kind's functions, start, callbacks, stop,
/// destroy, deinit. Runs inside ForkedRun's child, on one thread, which
/// serialises the [worker] calls as the ABI requires.
struct LifecycleCheck {
    let manifest: Manifest
    let path: String
    let catalog: PointCatalog
    let emit: ForkedRun.Emitter

    func run(_ config: JSON) {
        emit.begin("load")
        let module: LoadedModule
        do {
            module = try ModuleLoader.load(manifest, path: path)
        } catch {
            return emit.report(.fail, "load", error.reason)
        }
        emit.report(.pass, "load", "ABI \(module.abiMajor).\(module.abiMinor), needs host minor >= \(module.minHostMinor); id, version, kind and abi match the manifest; tables of \(module.tableSize) and \(module.kindTableSize) bytes")
        probeNegotiation()

        emit.begin("init")
        let rc = module.acquire()
        guard rc == MANTA_OK else { return emit.report(.fail, "init", "returned \(StatusCode.name(rc))") }
        emit.report(.pass, "init")
        defer {
            emit.begin("deinit")
            module.release()
            emit.report(.pass, "deinit")
        }

        let services = OfflineServices(catalog: catalog, startMs: WallClock.nowMs())
        let table = HostTable(context: InstanceContext(name: "check", index: 0, services: services),
                              hostName: "manta plugin check", hostVersion: HostRuntime.version)
        emit.begin("create")
        let handle = config.serialized().withManta { module.table.pointee.create(table.raw, $0) }
        guard let h = handle else {
            let why = services.record.withLock { $0.errors }.joined(separator: "; ")
            return emit.report(.fail, "create", "returned NULL\(why.isEmpty ? " without report_error()" : ": \(why)")")
        }
        emit.report(.pass, "create")
        var devices: [DeviceInfo?] = []
        if module.kind == .driver { devices = checkDevices(module, h) }

        emit.begin("start")
        let started = module.table.pointee.start(h)
        if started == MANTA_OK {
            emit.report(.pass, "start")
            runCallbacks(module, h, services)
            switch module.kind {
            case .driver: checkSamples(services, devices); checkSetpoint(module, h, devices)
            case .strategy: checkDecide(module, h)
            case .market: checkFetch(module, h, services)
            }
            emit.begin("stop")
            module.table.pointee.stop(h)
            emit.report(.pass, "stop")
        } else {
            let why = services.record.withLock { $0.errors }.joined(separator: "; ")
            emit.report(.fail, "start", "returned \(StatusCode.name(started))\(why.isEmpty ? "" : ": \(why)")")
        }
        emit.begin("destroy")
        module.table.pointee.destroy(h)
        emit.report(.pass, "destroy")
        table.free()
        let errors = services.record.withLock { $0.errors }
        if started == MANTA_OK, !errors.isEmpty {
            emit.report(.warn, "errors", "reported during the check: \(errors.prefix(3).joined(separator: "; "))")
        }
    }

    /// A module built for ABI 1 should decline a host of another major.
    private func probeNegotiation() {
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE),
              let symbol = dlsym(handle, MANTA_MODULE_ENTRY_SYMBOL) else { return }
        typealias Entry = @convention(c) (UInt32, UInt32) -> UnsafePointer<manta_module_t>?
        let entry = unsafeBitCast(symbol, to: Entry.self)
        if entry(ModuleLoader.hostMajor + 1, 0) == nil {
            emit.report(.pass, "negotiate", "declines a host of ABI \(ModuleLoader.hostMajor + 1).0")
        } else {
            emit.report(.warn, "negotiate", "entry accepted a host of ABI \(ModuleLoader.hostMajor + 1).0; it should return NULL for a major it was not built for (hosts refuse it anyway)")
        }
    }

    private func checkDevices(_ module: LoadedModule, _ h: OpaquePointer) -> [DeviceInfo?] {
        emit.begin("devices")
        switch DriverCalls.describe(module, h) {
        case .failure(let e):
            emit.report(.fail, "devices", e.message)
            return []
        case .success(let list):
            let registry = DeviceRegistry(known: [:])
            let (accepted, problems) = registry.register(instance: "check", instanceIndex: 0, described: list)
            if !problems.isEmpty {
                emit.report(.fail, "devices", "\(problems.count) of \(list.count) refused: \(problems.prefix(3).joined(separator: "; "))")
            } else {
                let kinds = Dictionary(grouping: accepted, by: \.kind.name).map { "\($0.key) x\($0.value.count)" }.sorted()
                emit.report(.pass, "devices", "\(list.count) devices: \(kinds.joined(separator: ", "))")
            }
            return list.map { try? $0.get() }  // nil: refused for its kind
        }
    }

    private func runCallbacks(_ module: LoadedModule, _ h: OpaquePointer, _ services: OfflineServices) {
        var n = 0
        while n < 3, services.advanceToCallback() {
            emit.begin("callback")
            module.table.pointee.on_callback(h)
            n += 1
        }
        if n > 0 { emit.report(.pass, "callback", "\(n) callback(s) delivered") }
    }

    private func checkSamples(_ services: OfflineServices, _ devices: [DeviceInfo?]) {
        let samples = services.record.withLock { $0.samples }
        var unknownDevice = 0, unknownPoint = 0, nonFinite = 0
        for s in samples {
            if Int(s.device) >= devices.count { unknownDevice += 1 }
            if catalog[s.point] == nil { unknownPoint += 1 }
            if !s.value.isFinite { nonFinite += 1 }
        }
        if unknownDevice + unknownPoint > 0 {
            emit.report(.fail, "samples", "\(samples.count) published; \(unknownDevice) for unknown devices, \(unknownPoint) with unknown points (the host rejects these)")
        } else if samples.isEmpty {
            emit.report(.warn, "samples", "no samples published after start and callbacks")
        } else {
            let points = Set(samples.compactMap { catalog[$0.point]?.name }).sorted()
            emit.report(nonFinite > 0 ? .warn : .pass, "samples",
                        "\(samples.count) published, points \(points.joined(separator: ", "))\(nonFinite > 0 ? "; \(nonFinite) not finite" : "")")
        }
    }

    private func checkSetpoint(_ module: LoadedModule, _ h: OpaquePointer, _ devices: [DeviceInfo?]) {
        guard let index = devices.firstIndex(where: { $0?.controllable == true && $0?.readOnly == false }),
              let d = devices[index] else { return }
        emit.begin("setpoint")
        let now = WallClock.nowMs()
        let mode: SetpointMode = d.kind == .pvInverter ? .exportLimit : .activePower
        let r = DriverCalls.apply(module, h, [Setpoint(device: index, mode: mode, commandID: 1, value: 0,
                                                       validFromMs: now, validUntilMs: now + 60_000)])[0]
        // Which call carried it: a driver table from before ABI 1.1 has no apply_setpoints.
        let via = DriverCalls.hasBatch(module) ? "apply_setpoints" : "apply_setpoint"
        emit.report(r.outcome == .failed ? .fail : .pass, "setpoint",
                    "device \(index) (\(d.key)), 0 W via \(via): \(r.outcome.name)\(r.message.isEmpty ? "" : ", \(r.message)")")
    }

    private func checkDecide(_ module: LoadedModule, _ h: OpaquePointer) {
        emit.begin("decide")
        let now = WallClock.nowMs(), end = MarketTime.intervalEnd(containing: now)
        let assets = (1...2).map { i in
            AssetState(id: "check/battery-\(i)", kind: .battery, soc: 0.5, capacityWh: 13_500, maxChargeW: 5000,
                      maxDischargeW: 5000, socMin: 0.1, socMax: 1, powerW: 0, roundTripEfficiency: 0.9)
        }
        let history = (0..<288).map { 60 + 40 * sin(Double($0) / 288 * 2 * .pi) }
        let obs = Observation(nowMs: now, intervalEndMs: end, intervalMs: MarketTime.intervalMs, deadlineMs: now + 2000,
                                      vpp: "check", region: "VIC1", price: 95, priceHistory: history[...], assets: assets)
        let start = WallClock.monotonicNs()
        switch StrategyCalls.decide(module, h, obs) {
        case .failure(let e): emit.report(.fail, "decide", e.message)
        case .success(let d):
            let us = (WallClock.monotonicNs() - start) / 1000
            emit.report(.pass, "decide", "targets \(d.targetsW.map { String(Int($0)) }.joined(separator: ", ")) W in \(us) us\(d.reason.isEmpty ? "" : ": \(d.reason)")")
        }
    }

    private func checkFetch(_ module: LoadedModule, _ h: OpaquePointer, _ services: OfflineServices) {
        let published = services.record.withLock { $0.prices }
        emit.begin("fetch")
        let region = published.first?.region ?? "VIC1"
        let to = published.last?.intervalEndMs ?? WallClock.nowMs()
        switch MarketCalls.fetch(module, h, region: region, fromMs: to - MarketTime.dayMs, toMs: to) {
        case .failure(let e): emit.report(.fail, "fetch", e.message)
        case .success(let prices):
            let bad = prices.filter { PriceIntake.problem($0) != nil }.count
            emit.report(bad > 0 ? .fail : .pass, "fetch",
                        "\(prices.count) \(region) prices for the day to \(MarketTime.format(to)); \(published.count) published by start/callbacks\(bad > 0 ? "; \(bad) invalid" : "")")
        }
    }
}
