import Glibc
import MantaABI
import MantaIO
import MantaSDK

/// What the runner hop costs, for `manta-bench`. SPI, not API.
@_spi(Benchmarks)
extension HostRuntime {
    /// decide() of instance `name` on an `assets`-asset observation, handed
    /// to its worker and waited for, `count` times; in process or through
    /// its runner, as the instance runs. Returns ns per call.
    public func timeDecideWaited(instance name: String, assets: Int, count: Int) -> Double {
        guard let inst = host.plugins.instance(named: name) else { return -1 }
        let views = (0..<assets).map { i in
            AssetState(id: "bench/battery-\(i)", kind: .battery, soc: 0.5, capacityWh: 13_500, maxChargeW: 5000,
                       maxDischargeW: 5000, socMin: 0.1, socMax: 1, powerW: 0, roundTripEfficiency: 0.9)
        }
        let obs = Observation(nowMs: 0, intervalEndMs: 300_000, intervalMs: 300_000, deadlineMs: 1000, vpp: "bench",
                              region: "VIC1", price: 350, priceHistory: ArraySlice(repeating: 80, count: 288), assets: views)
        let start = WallClock.monotonicNs()
        for _ in 0..<count {
            guard case .success? = inst.decideWaiting(obs) else { return -1 }
        }
        return Double(WallClock.monotonicNs() - start) / Double(count)
    }

    /// The isolation instance `name` runs under ("process" or "in-process").
    public func isolation(instance name: String) -> String? { host.plugins.instance(named: name)?.isolationMode.rawValue }
}

/// The samples half of the hop, measured on the runner's own code: a
/// publish_samples batch framed by the runner's services, sent over a real
/// socketpair, read and decoded by a reader thread into the array the host
/// ingests. Against it, the copy an in-process publish_samples makes.
@_spi(Benchmarks)
public enum RunnerSampleHop {
    /// (ns per batch through the socket, ns per batch in process).
    public static func time(batch: Int, rounds: Int) -> (socket: Double, inProcess: Double) {
        var pair: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0 else { return (-1, -1) }
        defer { close(pair[0]) }
        let services = RunnerServices(fd: pair[1])
        let context = InstanceContext(name: "bench", index: 0, services: services)
        let samples = (0..<batch).map { i in
            manta_sample_t(device: UInt32(i % 100), point: 7, time_ms: Int64(i), value: Double(i), quality: MANTA_QUALITY_GOOD,
                           reserved: 0)
        }
        let reader = Worker(name: "bench-reader")
        let received = Completion<Int>()
        let hostEnd = pair[0]
        reader.submit {
            var total = 0
            while total < batch * rounds, let body = try? FrameIO.read(hostEnd), var r = try? FrameReader(body),
                  let got = try? r.samples() {
                total += got.count
            }
            received.finish(total)
        }
        let start = WallClock.monotonicNs()
        for _ in 0..<rounds { _ = samples.withUnsafeBufferPointer { services.publishSamples(from: context, $0) } }
        let total = received.wait(timeoutMs: 600_000) ?? 0
        let socket = Double(WallClock.monotonicNs() - start) / Double(rounds)
        close(pair[1])
        reader.join()
        guard total == batch * rounds else { return (-1, -1) }
        var sink = 0
        let copyStart = WallClock.monotonicNs()
        for _ in 0..<rounds {
            let copy = samples.withUnsafeBufferPointer { Array($0) }
            sink &+= copy.count
        }
        let copy = Double(WallClock.monotonicNs() - copyStart) / Double(rounds)
        return (socket, sink > 0 ? copy : -1)
    }
}
