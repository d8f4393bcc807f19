@_spi(Benchmarks) import MantaHost
import MantaJSON

/// Host -> plugin: what a call across the ABI costs.
enum ABIBench {
    static func run(root: String, into report: inout Report) throws {
        let host = try BenchHost(root: root, plugins: [
            ["instance": "threshold", "plugin": "manta.threshold", "config": ["charge_below": 40, "discharge_above": 300]],
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
    }
}
