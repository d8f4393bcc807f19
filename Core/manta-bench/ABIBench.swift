@_spi(Benchmarks) import MantaHost
import MantaJSON

/// Host -> plugin: what a call across the ABI costs.
enum ABIBench {
    static func run(root: String, into report: inout Report) throws {
        let host = try BenchHost(root: root, plugins: [
            ["instance": "threshold", "plugin": "manta.threshold", "config": ["charge_below": 40, "discharge_above": 300]],
            ["instance": "threshold-runner", "plugin": "manta.threshold", "isolation": "process",
             "config": ["charge_below": 40, "discharge_above": 300]],
        ])
        defer { host.stop() }
        let n = 20_000_000
        let (raw, reference) = host.runtime.timeRawCalls(instance: "threshold", count: n)
        let decide36 = host.runtime.timeDecide(instance: "threshold", assets: 36, count: 200_000)
        let decide1000 = host.runtime.timeDecide(instance: "threshold", assets: 1000, count: 10_000)
        let trip = host.runtime.timeWorkerRoundTrip(instance: "threshold", count: 100_000)
        report.section(
            "Host to plugin calls", command: "make bench",
            header: ["call", "ns per call", "vs. an indirect call within the host"],
            rows: [
                ["indirect call to a no-op in the host (reference)", fixed(reference, 2), "1.0x"],
                ["raw ABI call: on_callback() of the C threshold plugin", fixed(raw, 2), "\(fixed(raw / reference))x"],
                ["decide(), 36 assets, marshalled as the dispatch cycle does", grouped(decide36), "\(grouped(decide36 / reference))x"],
                ["decide(), 1,000 assets", grouped(decide1000), "\(grouped(decide1000 / reference))x"],
                ["a call handed to the instance's worker thread and waited for", grouped(trip), "\(grouped(trip / reference))x"],
            ],
            notes: ["A raw call through the module's function table costs what any indirect call costs. Marshalling an observation (strings, asset array, price history of 288 intervals) dominates `decide()`; the dispatch cycle does it once per VPP per 5-minute interval. The worker hop (mutex, condition variable, wake-up) is paid once per batch of work, never per sample."])
        try runnerHop(host, into: &report)
    }

    /// The same plugin in process and in a runner, in the same run.
    static func runnerHop(_ host: BenchHost, into report: inout Report) throws {
        guard host.runtime.isolation(instance: "threshold-runner") == "process" else { throw BenchError("no runner") }
        var rows: [[String]] = []
        for (assets, count) in [(36, 20_000), (1000, 2_000)] {
            let inProcess = host.runtime.timeDecideWaited(instance: "threshold", assets: assets, count: count)
            let runner = host.runtime.timeDecideWaited(instance: "threshold-runner", assets: assets, count: count)
            guard inProcess > 0, runner > 0 else { throw BenchError("decide failed") }
            rows.append(["decide(), \(grouped(Double(assets))) assets, waited for", grouped(inProcess), grouped(runner),
                         "\(fixed(runner / inProcess))x"])
        }
        let (socket, copy) = RunnerSampleHop.time(batch: 10_000, rounds: 500)
        guard socket > 0, copy > 0 else { throw BenchError("sample hop failed") }
        rows.append(["10,000 samples published (ns per batch)", grouped(copy), grouped(socket), "\(fixed(socket / copy))x"])
        report.section(
            "The runner hop: in process vs. out of process", command: "make bench",
            header: ["call", "in process, ns", "through a manta-runner, ns", "ratio"],
            rows: rows,
            notes: ["The same C threshold plugin, loaded in process and in a `manta-runner` (isolation `process`) by one host. A decide() through a runner is framed, sent over the socketpair, decoded and answered the same way back; it is paid once per VPP per interval. Samples: the runner's framing of a `publish_samples` batch, a real socketpair and the host's decoding, \(grouped(10_000 * 1e9 / socket)) samples/s, against the copy an in-process `publish_samples` makes."])
    }
}
