import ArgumentParser
import Glibc
import MantaIO

/// manta-bench: measures the host's hot paths and writes BENCHMARKS.md.
@main
struct MantaBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "manta-bench",
        abstract: "Measure ABI calls, telemetry ingest, SQLite commits and JSON-RPC; write a Markdown report.")

    @Option(help: "Where to write the report.")
    var out = "BENCHMARKS.md"

    @Option(help: "Samples to push through the ingest path.")
    var samples = 2_000_000

    @Option(help: "Requests per JSON-RPC run.")
    var requests = 200_000

    func run() throws {
        let root = Paths.absolute(".")
        var report = Report(root: root)
        print("ABI calls...")
        try ABIBench.run(root: root, into: &report)
        print("telemetry ingest (\(samples) samples)...")
        try IngestBench.run(root: root, samples: samples, into: &report)
        print("JSON-RPC (\(requests) requests)...")
        try RPCBench.run(root: root, requests: requests, into: &report)
        try FileSystem.write(report.markdown(), to: out)
        print(report.markdown())
        print("written to \(out)")
    }
}
