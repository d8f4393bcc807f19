import MantaABI
import MantaEngine
import MantaIO
import MantaSDK

/// Entry points for `manta-bench` into parts of the host that are otherwise
/// internal. SPI, not API: nothing else should depend on them.
@_spi(Benchmarks)
extension HostRuntime {
    /// The manta_host_t given to instance `name`: what its plugin calls.
    public func hostTable(instance name: String) -> UnsafePointer<manta_host_t>? {
        host.plugins.instance(named: name).map { UnsafePointer($0.table.raw) }
    }

    /// Samples the loop has taken in so far. [any]: asks the loop and waits.
    public func samplesReceived() -> Int {
        let ingest = host.ingest
        return EventLoop.shared.sync { ingest.counters.received }
    }

    /// (series in the latest-value table, samples accepted). [any]
    public func ingestTotals() -> (series: Int, accepted: Int) {
        let ingest = host.ingest
        return EventLoop.shared.sync { (ingest.latest.count, ingest.counters.accepted) }
    }

    public var committedSamples: Int64 { host.store.writer.committedSamples }

    /// Handles `line` `count` times on the loop thread, in process (no
    /// socket), and returns the seconds it took: the reference for the
    /// TCP figures.
    public func timeInProcess(_ line: [UInt8], count: Int) -> Double {
        let dispatcher = host.dispatcher
        return EventLoop.shared.sync {
            let session = RPCSession(peer: "bench", loopback: true)
            let start = WallClock.monotonicNs()
            line.withUnsafeBytes { raw in
                for _ in 0..<count { dispatcher.handle(raw, session: session) { _ in } }
            }
            return Double(WallClock.monotonicNs() - start) / 1e9
        }
    }

    /// Calls the raw on_callback of instance `name` `count` times on its
    /// worker, and, as the reference, a no-op in the host through a function
    /// pointer the compiler cannot see through. Returns ns per call of each.
    public func timeRawCalls(instance name: String, count: Int) -> (plugin: Double, host: Double) {
        guard let inst = host.plugins.instance(named: name), let h = inst.handle else { return (-1, -1) }
        let module = inst.module
        return inst.worker.sync(timeoutMs: 600_000) {
            func time(_ fn: @convention(c) (OpaquePointer?) -> Void) -> Double {
                let start = WallClock.monotonicNs()
                for _ in 0..<count { fn(h.raw) }
                return Double(WallClock.monotonicNs() - start) / Double(count)
            }
            return (time(module.table.pointee.on_callback!), time(BenchmarkReferences.hostNoop))
        } ?? (-1, -1)
    }
}

@_spi(Benchmarks)
extension HostRuntime {
    /// decide() of strategy instance `name` on a `assets`-asset observation,
    /// marshalled through the ABI as the dispatch cycle does it, `count`
    /// times on the instance's worker. Returns ns per call.
    public func timeDecide(instance name: String, assets: Int, count: Int) -> Double {
        guard let inst = host.plugins.instance(named: name), let h = inst.handle else { return -1 }
        let module = inst.module
        let views = (0..<assets).map { i in
            AssetState(id: "bench/battery-\(i)", kind: .battery, soc: 0.5, capacityWh: 13_500, maxChargeW: 5000,
                      maxDischargeW: 5000, socMin: 0.1, socMax: 1, powerW: 0, roundTripEfficiency: 0.9)
        }
        let obs = Observation(nowMs: 0, intervalEndMs: 300_000, intervalMs: 300_000, deadlineMs: 1000, vpp: "bench",
                                      region: "VIC1", price: 350, priceHistory: ArraySlice(repeating: 80, count: 288), assets: views)
        return inst.worker.sync(timeoutMs: 600_000) {
            let start = WallClock.monotonicNs()
            for _ in 0..<count { _ = StrategyCalls.decide(module, h.raw, obs) }
            return Double(WallClock.monotonicNs() - start) / Double(count)
        } ?? -1
    }

    /// A no-op plugin call handed to instance `name`'s worker and waited
    /// for, `count` times: the cost of the thread hop. Returns ns per trip.
    public func timeWorkerRoundTrip(instance name: String, count: Int) -> Double {
        guard let inst = host.plugins.instance(named: name), let h = inst.handle else { return -1 }
        let module = inst.module
        let start = WallClock.monotonicNs()
        for _ in 0..<count { _ = inst.worker.sync(timeoutMs: 10_000) { module.table.pointee.on_callback(h.raw) } }
        return Double(WallClock.monotonicNs() - start) / Double(count)
    }

}

@_spi(Benchmarks)
extension HostRuntime {
    /// Hands every dispatch setpoint to its driver in a call of its own (the
    /// reference the fleet-dispatch benchmark compares batches against). [any]
    public func dispatchOneAtATime(_ on: Bool) {
        let setpoints = host.setpoints
        EventLoop.shared.sync { setpoints.oneAtATime = on }
    }
}
