import MantaMarket
import MantaSDK

extension Logger.Level {
    /// The level of a plugin's MANTA_LOG_* line.
    init(sdk level: Int32) {
        self = level >= MANTA_LOG_ERROR ? .error : level >= MANTA_LOG_WARN ? .warn : level >= MANTA_LOG_INFO ? .info : .debug
    }
}

/// What plugins reach through their manta_host_t. Called on plugin worker
/// threads: copy, enqueue onto the loop, return.
extension HostRuntime: HostServices {
    public func log(from instance: InstanceContext, level: Int32, message: String) {
        let logger = state.logger
        let l = Logger.Level(sdk: level)
        state.loop.execute { logger.log(l, instance.name, message) }
    }

    public func setLinkState(from instance: InstanceContext, device: UInt32, online: Bool, reason: String) -> Int32 {
        state.loop.execute { [self] in
            guard let d = state.registry.device(instance: instance.index, index: device) else { return }
            state.health.setLink(d.number, online: online, reason: reason, nowMs: state.now())
        }
        return MANTA_OK
    }

    public func reportError(from instance: InstanceContext, code: Int32, message: String) {
        // Recorded on the instance at once, so that a failing create() or
        // start() can say why in the same breath.
        plugin(at: instance.index)?.noteReportedError(message)
        state.loop.execute { [self] in
            state.events.record("error", source: instance.name, kind: "plugin.error",
                                "\(StatusCode.name(code)): \(message)", atMs: state.now())
        }
    }

    public func nowMs() -> Int64 { state.clock.nowMs() }

    public func requestCallback(from instance: InstanceContext, delayMs: Int64) {
        state.loop.execute { [self] in scheduleCallback(instance.index, delayMs: delayMs) }
    }

    public func publishSamples(from instance: InstanceContext, _ samples: UnsafeBufferPointer<manta_sample_t>) -> Int32 {
        let n = samples.count
        // Bounded: a driver that outruns the host is told, not absorbed.
        guard queuedSamples.load(ordering: .relaxed) + n <= state.config.maxQueuedSamples else { return MANTA_ERR_BUSY }
        queuedSamples.add(n, ordering: .relaxed)
        let copy = Array(samples)
        state.loop.execute { [self] in
            queuedSamples.subtract(n, ordering: .relaxed)
            state.ingest.ingest(instance: instance.index, name: instance.name, copy, nowMs: state.now())
            pipeline.samplesArrived()
        }
        return MANTA_OK
    }

    public func pointID(_ name: String) -> UInt32 { state.catalog[name]?.id ?? 0 }

    public func publishPrices(from instance: InstanceContext, _ prices: [PriceRecord]) -> Int32 {
        state.loop.execute { [self] in acceptPrices(prices, from: instance.name) }
        return MANTA_OK
    }

    /// [loop] Files valid prices, refuses the rest with a reason, and lets
    /// the dispatch cycle know.
    func acceptPrices(_ prices: [PriceRecord], from source: String) {
        var regions = Set<String>()
        var rows: [PriceRow] = []
        for p in prices {
            if let problem = Self.priceProblem(p) {
                state.events.record("warning", source: source, kind: "market.price", "refused: \(problem)", atMs: state.now())
                continue
            }
            if state.prices.add(p) {
                regions.insert(p.region)
                rows.append(PriceRow(region: p.region, intervalEndMs: p.intervalEndMs, rrp: p.rrp, demandMW: p.demandMW,
                                     firm: p.firm, source: source))
            }
        }
        state.pipeline.add { $0.prices += rows }
        for r in regions { cycle?.priceArrived(region: r) }
    }

    static func priceProblem(_ p: PriceRecord) -> String? {
        guard Region(code: p.region) != nil else { return "unknown region '\(p.region)'" }
        guard p.intervalEndMs % MarketTime.intervalMs == 0 else {
            return "\(p.region) interval end \(p.intervalEndMs) is not on the 5-minute grid"
        }
        guard p.rrp.isFinite, p.rrp >= MarketLimits.floor else {
            return "\(p.region) \(MarketTime.format(p.intervalEndMs)): RRP \(p.rrp) is below the floor or not finite"
        }
        if let cap = MarketLimits.cap(intervalEndMs: p.intervalEndMs), p.rrp > cap {
            return "\(p.region) \(MarketTime.format(p.intervalEndMs)): RRP \(p.rrp) is above the market price cap \(cap)"
        }
        return nil
    }

    /// [loop] Arms instance `index`'s callback timer.
    func scheduleCallback(_ index: Int, delayMs: Int64) {
        guard !shuttingDown, let instance = plugin(at: index) else { return }
        let timer = callbackTimers[index] ?? LoopTimer(loop: state.loop)
        callbackTimers[index] = timer
        timer.schedule(afterMs: UInt64(state.clock.wallMs(forHostMs: max(0, delayMs)))) {
            guard instance.state == .started else { return }
            let module = instance.module
            instance.perform({ h in module.table.pointee.on_callback(h) }, done: { _ in })
        }
    }
}
