import MantaEngine
import MantaIO
import MantaJSON
import MantaMarket
import MantaModel

/// The host's services, built and connected: the composition root.
///
/// Each service is constructed with exactly what it uses, in the order the
/// data walks (store first, then telemetry, prices, dispatch, control, the
/// API), and construction starts nothing. `HostRuntime` starts them in this
/// order, on the threads each step belongs to:
///
///  1. `prepare` (loop): the store's commit timer; this run's row; the catalog.
///  2. plugin boot (a host control thread, `PluginBoot`): load, create,
///     describe devices, start. Plugin calls are waited for there, never here.
///  3. `serve` (loop): form the VPPs, listen for the API, start the host
///     clock, the plugins' callbacks, the dispatch cycle, the once-a-second
///     housekeeping and the signal watch.
///
/// `beginShutdown` reverses it.
@LoopActor
final class Host {
    let config: HostConfig
    let logger: Logger
    let clock: HostClock
    let catalog: PointCatalog
    let run: Int64
    let store: StorePipeline
    let reader: StoreReader
    let events: EventLog
    let registry: DeviceRegistry
    let enrolment: DeviceEnrolment
    let ingest: TelemetryIngest
    let devices: DeviceWatch
    let sites: SiteChecks
    let plugins: PluginTable
    let timers: CallbackTimers
    let watchdog: PluginWatchdog
    let prices: PriceBook
    let vpps: VPPSet
    let editor: VPPEditor
    let ids: DispatchIDs
    let responses: ResponseWatch
    let members: MemberStates
    let instructions: FleetInstructions
    let setpoints: FleetSetpoints
    let fcas: FCASDispatch
    let frequency: FrequencyWatch
    let verification: FrequencyVerification
    let loop: ClosedLoop
    let risk: RiskGuard
    let cycle: DispatchCycle
    let priceIntake: PriceIntake
    let meter: EnergyMeter
    let settlement: LiveSettlement
    let bids: BidBook
    let control: DeviceControl
    let routes: SetpointRoutes
    /// An edge's uplink or a control host's edge links.
    let role: HostRole
    let exportLimits: ExportLimitEnforcer
    let meterExport: MeterExportControl
    let importCaps: ImportCapControl
    let networkLimits: NetworkLimits
    let discovery: DeviceDiscovery
    let backtests: BacktestTasks
    let audit: AuditLog
    let dispatcher: RPCDispatcher
    let server: RPCServer
    /// JSON-RPC over HTTP and WebSocket, when api.http is configured.
    let web: WebServer?
    let hub: SubscriptionHub
    let logins = LoginGuard()
    let callbacks: PluginCallbacks
    private lazy var signals = SignalWatch(logger: logger) { [unowned self] reason in beginShutdown(reason: reason) }
    private var housekeeping: LoopTimer?
    private var healthTimer: LoopTimer?
    private let stopped: Completion<Bool>
    private(set) var shuttingDown = false

    init(config: HostConfig, logger: Logger, catalog: PointCatalog, writer: StoreWriter, run: Int64,
         stopped: Completion<Bool>) throws(StoreError) {
        self.config = config
        self.logger = logger
        self.catalog = catalog
        self.run = run
        self.stopped = stopped
        clock = HostClock(config.clock)
        reader = try StoreReader(store: config.store)
        store = StorePipeline(writer: writer, run: run, commitIntervalMs: config.store.commitIntervalMs,
                              maxSamples: config.store.maxBatchSamples)
        events = EventLog(store: store, logger: logger, clock: clock)
        registry = DeviceRegistry(known: try reader.knownDevices())
        enrolment = DeviceEnrolment(registry: registry, overrides: config.devices, store: store, events: events, clock: clock)
        responses = ResponseWatch()
        frequency = FrequencyWatch(catalog: catalog)
        meter = EnergyMeter(maxGapMs: config.dispatch.maxTelemetryAgeMs)
        ingest = TelemetryIngest(catalog: catalog, registry: registry, store: store, logger: logger, responses: responses,
                                 frequency: frequency, meter: meter)
        devices = DeviceWatch(staleAfterMs: config.staleAfterMs, offlineAfterMs: config.offlineAfterMs, registry: registry,
                              ingest: ingest, events: events, clock: clock)
        sites = SiteChecks(registry: registry, ingest: ingest, catalog: catalog, sites: config.sites,
                           staleAfterMs: config.staleAfterMs, events: events, clock: clock)
        plugins = PluginTable()
        timers = CallbackTimers(plugins: plugins, clock: clock)
        watchdog = PluginWatchdog(plugins: plugins, events: events, hungAfterMs: config.dispatch.hungAfterMs)
        prices = PriceBook()
        vpps = VPPSet()
        editor = VPPEditor(vpps: vpps, plugins: plugins, registry: registry, sites: config.sites, store: store, events: events)
        let last = try reader.maxDispatchIDs()
        ids = DispatchIDs(lastInterval: last.interval, lastCommand: last.command)
        routes = SetpointRoutes(plugins: plugins)
        let dispatch = config.dispatch, parts = DeviceParts()
        members = MemberStates(registry: registry, ingest: ingest, health: devices,
                               estimator: StateEstimator(maxAgeMs: dispatch.maxEstimateAgeMs), parts: parts, catalog: catalog,
                               maxTelemetryAgeMs: dispatch.maxTelemetryAgeMs)
        instructions = FleetInstructions(lastID: try reader.maxInstructionID(), store: store)
        setpoints = FleetSetpoints(drivers: routes, vpps: vpps, ids: ids, store: store, events: events,
                                   members: members, parts: parts, responses: responses, clock: clock)
        fcas = FCASDispatch(drivers: routes, vpps: vpps, ids: ids, store: store, events: events, clock: clock,
                            fullResponseHz: dispatch.fullResponseHz)
        verification = FrequencyVerification(vpps: vpps, events: events, fullResponseHz: dispatch.fullResponseHz)
        frequency.onOpen = { [unowned verification] t in verification.begin(atMs: t) }
        frequency.onEvent = { [unowned verification] event in verification.verify(event) }
        loop = ClosedLoop(members: members, setpoints: setpoints, store: store, events: events, clock: clock,
                          afterMs: dispatch.closedLoopAfterMs)
        control = DeviceControl(drivers: routes, ids: ids, store: store, events: events, clock: clock)
        exportLimits = ExportLimitEnforcer(sites: sites, registry: registry, vpps: vpps, prices: prices, control: control,
                                           events: events, clock: clock)
        meterExport = MeterExportControl(registry: registry, limits: exportLimits, setpoints: setpoints, members: members,
                                         control: control, clock: clock)
        importCaps = ImportCapControl(registry: registry, vpps: vpps, setpoints: setpoints, members: members, control: control,
                                      events: events, store: store, clock: clock)
        networkLimits = NetworkLimits(feeders: config.feeders, registry: registry, members: members, limits: exportLimits,
                                      events: events, store: store, clock: clock)
        risk = RiskGuard(limits: config.trading.risk, store: store, events: events, clock: clock)
        cycle = DispatchCycle(.init(dispatch: dispatch, clock: clock, prices: prices, members: members,
                                    plugins: plugins, vpps: vpps, instructions: instructions, setpoints: setpoints, fcas: fcas,
                                    risk: risk, loop: loop,
                                    sites: SiteStates(registry: registry, members: members, exportLimits: exportLimits,
                                                      importCaps: importCaps),
                                    ids: ids, store: store, events: events, logger: logger))
        priceIntake = PriceIntake(book: prices, store: store, events: events, cycle: cycle)
        settlement = LiveSettlement(meter: meter, registry: registry, vpps: vpps, prices: prices, store: store, events: events, clock: clock,
                                    settleAfterMs: config.trading.settleAfterMs,
                                    rates: .init(costPerMWh: config.trading.throughputCostPerMWh,
                                                 tariff: NetworkTariff(perMWh: config.trading.networkPerMWh,
                                                                       demandPerKWMonth: config.trading.demandPerKWMonth)))
        bids = BidBook(lastID: try reader.maxBidID(), .init(vpps: vpps, plugins: plugins, instructions: instructions, cycle: cycle,
                                                             ids: ids, store: store, events: events, clock: clock))
        priceIntake.onFiled = { [unowned settlement, unowned bids] filed in
            bids.pricesFiled(filed)
            settlement.pricesFiled(filed)
        }
        settlement.onSettled.append { [unowned bids] row in bids.settled(row) }
        cycle.onDispatched = { [unowned bids] vpp, end, targetW, enabledMW, price in
            if vpp.config.bidding == .plan { bids.fromPlan(vpp, intervalEndMs: end, targetW: targetW, enabledMW: enabledMW, price: price) }
        }
        settlement.onSettled.append { [unowned risk] row in risk.settled(row) }
        discovery = DeviceDiscovery(pluginDirs: config.pluginDirs, libraryDirs: config.libraryDirs, plugins: plugins)
        backtests = try BacktestTasks(reader: reader, store: store, events: events, catalog: catalog, logger: logger)
        audit = AuditLog(store: store, logger: logger)
        let api = config.api
        dispatcher = RPCDispatcher(tokens: TokenBook(configured: api.tokens, store: store), audit: audit, maxBatch: api.maxBatch, anonymousReads: api.anonymousReads)
        server = RPCServer(dispatcher: dispatcher,
                           limits: .init(maxMessageBytes: api.maxMessageBytes, maxConnections: api.maxConnections,
                                         partialTimeoutMs: api.partialTimeoutMs, idleTimeoutMs: api.idleTimeoutMs,
                                         maxConnectionsPerPeer: api.maxConnectionsPerPeer, maxReplyBytes: api.maxReplyBytes),
                           logger: logger)
        web = api.http == nil ? nil
            : WebServer(dispatcher: dispatcher, logins: logins, audit: audit,
                        limits: .init(maxMessageBytes: api.maxMessageBytes, maxConnections: api.maxConnections,
                                      idleTimeoutMs: api.idleTimeoutMs, maxReplyBytes: api.maxReplyBytes),
                        sessionTTLMs: api.http?.sessionTTLMs ?? 28_800_000, logger: logger)
        hub = SubscriptionHub(registry: registry, catalog: catalog)
        role = HostRole(.init(config: config, catalog: catalog, plugins: plugins, registry: registry, enrolment: enrolment,
                              devices: devices, ingest: ingest, vpps: vpps, routes: routes, setpoints: setpoints, ids: ids,
                              store: store, events: events, clock: clock))
        callbacks = PluginCallbacks(clock: clock, logger: logger, catalog: catalog, plugins: plugins, ingest: ingest,
                                    prices: priceIntake, devices: devices, timers: timers, events: events,
                                    maxQueuedSamples: config.maxQueuedSamples)
        registerMethods()
        follow()
    }

    /// What subscriptions see: accepted samples, decisions, filed prices, events.
    private func follow() {
        let hub = self.hub
        ingest.onAccepted = { [unowned hub] samples in hub.samples(samples) }
        events.onRecord = { [unowned hub] e in hub.publish(.events, e.json) }
        cycle.onDecided = { [unowned hub] vpp, summary, strategy in
            hub.publish(.dispatch, {
                var o = summary.json
                o["vpp"] = .string(vpp.config.id)
                o["strategy"] = .string(strategy)
                return o
            }())
        }
        let filed = priceIntake.onFiled
        priceIntake.onFiled = { [unowned hub] prices in
            filed?(prices)
            hub.publish(.prices, JSONObject([("prices", .array(prices.map(priceJSON)))]))
        }
    }

    /// The API's method groups, each with what it reads.
    private func registerMethods() {
        let status = HostStatus(config: config, version: HostRuntime.version, clock: clock,
                                startedWallMs: WallClock.nowMs(), run: run, server: server, web: web, hub: hub, store: store, ingest: ingest,
                                plugins: plugins, registry: registry, vpps: vpps, events: events, devices: devices, role: role)
        let vppMethods = VPPMethods(vpps: vpps, editor: editor, members: members, responses: responses,
                                    exportRoom: ExportRoom(registry: registry, limits: exportLimits, members: members),
                                    registry: registry, store: store, clock: clock)
        hub.capacities = { vppMethods.capacities() }
        let groups: [[RPCMethod]] = [
            SubscriptionMethods(hub: hub).methods,
            SystemMethods(dispatcher: dispatcher, status: status, audit: audit, events: events, logins: logins) {
                [unowned self] reason in
                beginShutdown(reason: reason)
            }.methods,
            FleetMethods(plugins: plugins, registry: registry, devices: devices, vpps: vpps, ingest: ingest, catalog: catalog,
                         reader: reader, clock: clock, historyRun: config.clock == .realtime ? nil : run).methods,
            MarketMethods(prices: prices, vpps: vpps, plugins: plugins, ids: ids, clock: clock).methods,
            DispatchMethods(reader: reader, registry: registry, run: run).methods,
            CapMethods(caps: importCaps, registry: registry, vpps: vpps, reader: reader, members: members, clock: clock).methods,
            InstructionMethods(instructions: instructions, vpps: vpps, cycle: cycle, members: members, clock: clock).methods,
            vppMethods.methods,
            BacktestMethods(tasks: backtests, configPath: config.path, pluginDirs: config.pluginDirs,
                            libraryDirs: config.libraryDirs, dataRoots: DataRoots(config.dataRoots), clock: clock).methods,
            ArenaMethods(vpps: vpps).methods,
            RuleMethods().methods,
            FCASMethods(verification: verification, vpps: vpps).methods,
            SettlementMethods(reader: reader, store: store, vpps: vpps, registry: registry, run: run).methods,
            TradingMethods(bids: bids, risk: risk, vpps: vpps, members: members, responses: responses, reader: reader, store: store,
                           clock: clock, gateClosureMs: config.trading.gateClosureMs).methods,
            RiskMethods(risk: risk, vpps: vpps).methods,
            ReportMethods(reader: reader, store: store, run: run).methods,
            SiteMethods(registry: registry, devices: devices, sites: sites, exportLimits: exportLimits, clock: clock).methods,
            NetworkMethods(network: networkLimits, registry: registry, clock: clock).methods,
            TokenMethods(tokens: dispatcher.tokens).methods,
            DeviceMethods(registry: registry, control: control, discovery: discovery).methods,
        ]
        for m in groups.joined() { dispatcher.register(m) }
    }

    /// Step 1: the store's timer, this run's row and the catalog's points.
    func prepare() -> PluginBoot {
        store.start()
        let row = RunRow(id: run, startedMs: WallClock.nowMs(), clock: config.clock == .realtime ? "realtime" : "replay",
                         replayStartMs: { if case .replay(let s, _) = config.clock { return s } else { return nil } }(),
                         speed: clock.speed, config: config.path)
        let points = catalog.points
        store.add {
            $0.runRow = row
            $0.points = points
        }
        if case let .replay(start, speed) = config.clock {
            logger.info("host", "replay clock from \(MarketTime.iso(start)) at \(speed)x (run \(run))")
        }
        return PluginBoot(config: config, plugins: plugins, services: callbacks, enrolment: enrolment, store: store,
                          events: events, logger: logger, hostVersion: HostRuntime.version)
    }

    /// Step 3: VPPs, the API, the dispatch cycle, housekeeping, signals.
    func serve() -> BootError? {
        do throws(BootError) {
            let stored: (vpps: [(id: String, vpp: HostConfig.VPP?)], problems: [String])
            do { stored = VPPEditor.stored(try reader.vppDefinitions()) } catch { throw BootError("store: \(error)") }
            for p in stored.problems { events.record(.warning, source: "host", kind: "vpp.definition", p) }
            try vpps.form(config, stored: stored.vpps, plugins: plugins, registry: registry, events: events, logger: logger)
            do { importCaps.restore(try reader.importCaps()) } catch { throw BootError("store: \(error)") }
            do { networkLimits.restore(try reader.operatingEnvelopes()) } catch { throw BootError("store: \(error)") }
            do {
                for name in dispatcher.tokens.restore(try reader.apiTokens()) {
                    events.record(.warning, source: "host", kind: "token.restore", "issued token \(name) not restored (unreadable, or its name is now the config's)")
                }
            } catch { throw BootError("store: \(error)") }
            do {
                let taken = bids.restore(try reader.openBids(), replay: clock.isReplay)
                if taken > 0 { logger.info("host", "\(taken) open bids taken up from the store") }
            } catch { throw BootError("store: \(error)") }
            try role.start(reader: reader)
            do {
                try server.listen(host: config.api.host, port: config.api.port, tls: config.api.tls)
            } catch {
                throw BootError("api.listen: \(error.message)")
            }
            if let web, let http = config.api.http {
                do {
                    try web.listen(host: http.host, port: http.port, tls: config.api.tls)
                } catch {
                    throw BootError("api.http.listen: \(error.message)")
                }
            }
        } catch {
            return error
        }
        // The host clock starts now: a replay clock stood still while the
        // plugins loaded, so slow loading does not cost the first interval.
        clock.begin()
        timers.start()
        cycle.start()
        settlement.start()
        networkLimits.start()
        meterExport.start()
        importCaps.start()
        let hk = LoopTimer()
        hk.schedule(afterMs: 1000, repeatMs: 1000) { [unowned self] in
            watchdog.check()
            sites.check()
            exportLimits.enforce()
        }
        housekeeping = hk
        // Health is judged at least four times per stale window of host
        // time (and at most once a wall second), so that under a fast
        // replay clock a silent device is seen stale before it is offline.
        let window = min(config.staleAfterMs, config.offlineAfterMs - config.staleAfterMs)
        let period = UInt64(max(10, min(1000, clock.wallMs(forHostMs: window) / 4)))
        let health = LoopTimer()
        health.schedule(afterMs: period, repeatMs: period) { [unowned self] in devices.check() }
        healthTimer = health
        signals.start()
        logger.info("host", "mantad \(HostRuntime.version) serving JSON-RPC on \(config.api.host):\(server.boundPort)\(config.api.tls == nil ? "" : " (TLS)")")
        if let web, let http = config.api.http {
            let scheme = config.api.tls == nil ? "http" : "https"
            logger.info("host", "serving HTTP on \(scheme)://\(HostConfig.HTTP(host: http.host, port: web.boundPort).address)/ (the console at /, POST /rpc, WebSocket /ws)")
        }
        return nil
    }

    /// Shutdown, in an order that loses nothing acknowledged:
    /// 1. stop accepting connections, deciding intervals and firing plugin callbacks;
    /// 2. stop the plugins, on a thread of their own, while the loop still
    ///    takes in what they publish as they stop;
    /// 3. a final flush; the writer commits in order, so by its completion
    ///    every earlier commit (the audit row of host.shutdown, whose reply
    ///    waits on it) has been answered;
    /// 4. close the connections once their replies are written, close the
    ///    remaining handles, and tell `HostRuntime.run` the host has stopped.
    func beginShutdown(reason: String) {
        guard !shuttingDown else { return }
        shuttingDown = true
        logger.info("host", "stopping (\(reason))")
        server.stopListening()
        cycle.stop()
        settlement.stop()
        networkLimits.stop()
        meterExport.stop()
        importCaps.stop()
        timers.cancelAll()
        housekeeping?.close()
        housekeeping = nil
        healthTimer?.close()
        healthTimer = nil
        let instances = plugins.instances
        let stopper = Worker(name: "shutdown")
        stopper.submit {
            for inst in instances { inst.stop() }
            EventLoop.shared.execute { [self] in store.flush { [self] _ in finishShutdown() } }
        }
        stopper.close()
    }

    private func finishShutdown() {
        server.close()
        web?.close()
        hub.close()
        timers.close()
        signals.close()
        // After the final flush: an edge's last batch is in its outbox and
        // has been handed to the broker before the goodbye.
        role.stop()
        store.close()
        stopped.finish(true)
    }
}
