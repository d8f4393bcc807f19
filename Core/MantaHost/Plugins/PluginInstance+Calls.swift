import MantaABI
import MantaIO
import MantaSDK
import Synchronization

/// What the rest of the host asks of an instance during operation, the same
/// whether the plugin runs in process (its tables, on the worker) or in a
/// runner (frames, waited for on the worker): DispatchCycle, DeviceControl,
/// MarketMethods, CallbackTimers and PluginBoot call only these.
extension PluginInstance {
    /// decide() on `obs`; nil when the instance could not be asked or did
    /// not answer.
    @LoopActor
    func decide(_ obs: Observation, done: @escaping @LoopActor @Sendable (Result<Decision, PluginCallError>?) -> Void) {
        let module = self.module, timeout = callTimeoutMs
        guard let link = runner else { return perform({ h in StrategyCalls.decide(module, h, obs) }, done: done) }
        perform({ _ -> Result<Decision, PluginCallError>? in
            guard var r = link.call(.decide, timeoutMs: timeout, what: "decide()", { $0.observation(obs) }) else { return nil }
            return try? Self.readDecision(&r)
        }, done: { done($0 ?? nil) })
    }

    /// Applies setpoints in one batch; nil when the instance could not be asked.
    @LoopActor
    /// `handed`, when given, gets the monotonic ns at which the batch is handed
    /// to the driver (its call begins, in process or in its runner).
    func applySetpoints(_ setpoints: [Setpoint], handed: HandOffStamp? = nil,
                        done: @escaping @LoopActor @Sendable ([SetpointOutcome]?) -> Void) {
        let module = self.module, timeout = callTimeoutMs
        guard let link = runner else {
            return perform({ h in
                handed?.mark()
                return DriverCalls.apply(module, h, setpoints)
            }, done: done)
        }
        perform({ _ -> [SetpointOutcome]? in
            handed?.mark()
            let answer = link.call(.apply, timeoutMs: timeout, what: "apply_setpoints()") { w in
                w.u32(UInt32(setpoints.count))
                for s in setpoints { w.setpoint(s) }
            }
            guard var r = answer else { return nil }
            return try? (0..<r.count(minBytes: 24)).map { _ throws(ProtocolViolation) in try r.outcome() }
        }, done: { done($0 ?? nil) })
    }

    @LoopActor
    func fetchPrices(region: String, fromMs: Int64, toMs: Int64,
                     done: @escaping @LoopActor @Sendable (Result<[Price], PluginCallError>?) -> Void) {
        let module = self.module, timeout = callTimeoutMs
        guard let link = runner else {
            return perform({ h in MarketCalls.fetch(module, h, region: region, fromMs: fromMs, toMs: toMs) }, done: done)
        }
        perform({ _ -> Result<[Price], PluginCallError>? in
            let answer = link.call(.fetchPrices, timeoutMs: timeout, what: "fetch_prices()") { w in
                w.str(region)
                w.i64(fromMs)
                w.i64(toMs)
            }
            guard var r = answer else { return nil }
            return try? r.result(what: "fetch_prices") { r throws(ProtocolViolation) in
                try (0..<r.count(minBytes: 32)).map { _ throws(ProtocolViolation) in try r.price() }
            }
        }, done: { done($0 ?? nil) })
    }

    @LoopActor
    func submitBid(_ bid: Bid, done: @escaping @LoopActor @Sendable (Result<BidOutcome, PluginCallError>?) -> Void) {
        let module = self.module, timeout = callTimeoutMs
        guard let link = runner else { return perform({ h in MarketCalls.submit(module, h, bid) }, done: done) }
        perform({ _ -> Result<BidOutcome, PluginCallError>? in
            guard var r = link.call(.submitBid, timeoutMs: timeout, what: "submit_bid()", { $0.bid(bid) }) else { return nil }
            return try? r.result(what: "submit_bid") { r throws(ProtocolViolation) in try r.bidOutcome() }
        }, done: { done($0 ?? nil) })
    }

    /// on_callback(), on the worker; nothing comes back. A runner's answer
    /// is still waited for there, so that a callback that never returns is
    /// noticed (and the runner ended) as any other call is.
    func fireCallback() {
        let module = self.module, timeout = callTimeoutMs
        if let link = runner {
            fire { _ in _ = link.call(.callback, timeoutMs: timeout, what: "on_callback()") }
        } else {
            fire { h in module.table.pointee.on_callback(h) }
        }
    }

    /// [host] The driver's devices (waits); nil when it did not answer in time.
    func describeDevices() -> Result<[Result<DeviceInfo, UnknownDeviceKind>], PluginCallError>? {
        guard let h = handle else { return nil }
        let module = self.module, timeout = callTimeoutMs
        guard let link = runner else { return worker.sync(timeoutMs: timeout) { DriverCalls.describe(module, h.raw) } }
        let answer = worker.sync(timeoutMs: timeout + 1_000) { () -> Result<[Result<DeviceInfo, UnknownDeviceKind>], PluginCallError>? in
            guard var r = link.call(.describe, timeoutMs: timeout, what: "device_info()") else {
                return .failure(PluginCallError("the runner did not answer device_count/device_info"))
            }
            let devices = try? r.result(what: "device_info") { r throws(ProtocolViolation) in
                try (0..<r.count(minBytes: 9)).map { _ throws(ProtocolViolation) in try r.device() }
            }
            return devices ?? .failure(PluginCallError("the runner sent malformed devices"))
        }
        return answer ?? nil
    }

    static func readDecision(_ r: inout FrameReader) throws(ProtocolViolation) -> Result<Decision, PluginCallError> {
        try r.result(what: "decide") { r throws(ProtocolViolation) in
            let targets = try (0..<r.count(minBytes: 8)).map { _ throws(ProtocolViolation) in try r.f64() }
            let reason = try r.str()
            let fcasMW = try (0..<r.count(minBytes: 8)).map { _ throws(ProtocolViolation) in try r.f64() }
            return Decision(targetsW: targets, reason: reason, fcasMW: fcasMW)
        }
    }
}

extension PluginInstance {
    /// [host] decide() handed to the worker and waited for, in process or
    /// through the runner alike (benchmarks: the cost of the hop).
    func decideWaiting(_ obs: Observation) -> Result<Decision, PluginCallError>? {
        guard let h = handle else { return nil }
        let module = self.module, timeout = callTimeoutMs
        guard let link = runner else { return worker.sync(timeoutMs: timeout) { StrategyCalls.decide(module, h.raw, obs) } }
        let answer = worker.sync(timeoutMs: timeout + 1_000) { () -> Result<Decision, PluginCallError>? in
            guard var r = link.call(.decide, timeoutMs: timeout, what: "decide()", { $0.observation(obs) }) else { return nil }
            return try? Self.readDecision(&r)
        }
        return answer ?? nil
    }
}

/// When a batch of setpoints was handed to its driver: written on the
/// driver's worker, read on the loop once the driver has answered.
final class HandOffStamp: Sendable {
    private let ns = Atomic<UInt64>(0)
    func mark() { ns.store(WallClock.monotonicNs(), ordering: .relaxed) }
    var value: UInt64 { ns.load(ordering: .relaxed) }
}
