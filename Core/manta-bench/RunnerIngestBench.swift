import Foundation
@_spi(Benchmarks) import MantaHost
import MantaIO
import MantaJSON

/// Telemetry end to end from a plugin in a runner process: a real
/// `manta.sim` fleet publishing as fast as it is asked, out of process
/// (samples framed over the runner's socket, decoded, checked and filed in
/// the latest-value table on the loop) against the same fleet in process,
/// in the same run.
enum RunnerIngestBench {
    static let homes = 50_000  // 100,000 devices, 300,000 samples a publish
    static let seconds = 6.0

    static func run(root: String, into report: inout Report) throws {
        var rows: [[String]] = []
        var rates: [String: Double] = [:]
        for isolation in ["in-process", "process"] {
            let host = try BenchHost(root: root, plugins: [
                ["instance": "fleet", "plugin": "manta.sim", "isolation": .string(isolation),
                 "config": ["homes": .int(homes), "publish_interval_ms": 100]],
            ], store: ["max_batch_samples": 500_000, "commit_interval_ms": 200])
            defer { host.stop() }
            // Warm up: the first publishes enrol the devices and fill the table.
            while host.runtime.samplesReceived() < 3 * 6 * homes { usleep(10_000) }
            let n0 = host.runtime.samplesReceived(), t0 = WallClock.monotonicNs()
            usleep(UInt32(seconds * 1e6))
            let n1 = host.runtime.samplesReceived(), t1 = WallClock.monotonicNs()
            let rate = Double(n1 - n0) / (Double(t1 - t0) / 1e9)
            rates[isolation] = rate
            let series = host.runtime.ingestTotals().series
            rows.append(["manta.sim, \(grouped(Double(2 * homes))) devices, \(isolation == "process" ? "in a manta-runner" : "in process")",
                         grouped(rate), isolation == "process" ? ">= 1,000,000" : "",
                         "\(grouped(Double(series))) series in the table", ""])
        }
        if let out = rates["process"], let inside = rates["in-process"] {
            rows[1][4] = "\(fixed(out / inside, 2))x in process"
        }
        report.section(
            "Telemetry ingest from a runner process",
            command: ".build/release/manta-bench --only runner-ingest",
            header: ["path", "samples/s into the latest-value table", "target", "after the run", "ratio"],
            rows: rows,
            notes: ["A real host (realtime clock) with one manta.sim instance of \(grouped(Double(homes))) homes (battery and PV: 6 samples a home) asked to publish every 100 ms, which is more than either path carries, so the figure is the path's own: samples counted into the latest-value table over \(Int(seconds)) s after a warm-up, while the store commits them too. Out of process each publish is framed by the runner, crosses a socketpair, is decoded and ingested 20,000 samples a loop turn. The sim's own work (integrating every home each publish) is in both; out of process it runs on the other core, which is how the runner can come out ahead."])
    }
}
