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

    @Option(help: "Batteries in the fleet-dispatch run.")
    var batteries = 100_000

    @Option(help: "Only these sections, comma-separated: abi, ingest, rpc, web, markets, timemachine, fcas, arena, devices, dispatch.")
    var only: String?

    func run() throws {
        let root = Paths.absolute(".")
        var report = Report(root: root)
        let wanted = only.map { Set($0.split(separator: ",").map(String.init)) }
        func want(_ s: String) -> Bool { wanted?.contains(s) ?? true }
        if want("abi") {
            print("ABI calls...")
            try ABIBench.run(root: root, into: &report)
        }
        if want("ingest") {
            print("telemetry ingest (\(samples) samples)...")
            try IngestBench.run(root: root, samples: samples, into: &report)
        }
        if want("runner-ingest") {
            print("telemetry ingest from a runner process...")
            try RunnerIngestBench.run(root: root, into: &report)
        }
        if want("rpc") {
            print("JSON-RPC (\(requests) requests)...")
            try RPCBench.run(root: root, requests: requests, into: &report)
        }
        if want("web") {
            print("JSON-RPC over HTTP and WebSocket fan-out...")
            try WebBench.run(root: root, into: &report)
        }
        if want("markets") {
            print("Market files (parse speed)...")
            try MarketFilesBench.run(root: root, into: &report)
        }
        if want("timemachine") {
            print("Time Machine (a year of prices; HiGHS takes a while)...")
            try BacktestBench.run(root: root, into: &report)
        }
        if want("fcas") {
            print("FCAS co-optimised bound (a month, against HiGHS)...")
            try FCASBench.run(root: root, into: &report)
        }
        if want("mpc-fcas") {
            print("FCAS co-optimising MPC (every real DISPATCHPRICE file)...")
            try MPCFCASBench.run(root: root, into: &report)
        }
        if want("devices") {
            print("Device access...")
            try DevicesBench.run(root: root, into: &report)
        }
        if want("dispatch") {
            print("Fleet dispatch (\(batteries) batteries)...")
            try DispatchBench.run(root: root, homes: batteries, into: &report)
        }
        if want("arena") {
            print("Strategies and the arena (full years of prices)...")
            try ArenaBench.run(root: root, into: &report)
        }
        try FileSystem.write(report.markdown(), to: out)
        print(report.markdown())
        print("written to \(out)")
    }
}
