import ArgumentParser
import Glibc
import MantaIO
import MantaJSON
import MantaTools

/// `manta report`: a running host's settlement, trades and events as a
/// report folder (SettlementReport).
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write the live fleet's settlement report (CSV, JSON, SVG) from a running host.",
        discussion: """
            Reads settlement.summary, settlement.intervals, reports.financial and reports.events, and \
            writes settlement.csv (one row per VPP and interval), daily.csv and monthly.csv (per VPP), \
            by_hour.csv, by_strategy.csv, by_region.csv, by_site.csv, by_device.csv, vpp_events.csv, der_events.csv, summary.json \
            and daily-revenue.svg. Each CSV's money columns sum exactly to summary.json's totals.

            Examples:
              manta report --out reports/today
              manta report --vpp vic-homes --from 2022-01-18 --to 2022-01-19 --out reports/vic-0118
            """)

    @OptionGroup var host: HostOptions

    @Option(help: "One VPP; every VPP when omitted.")
    var vpp: String?

    @Option(help: "Intervals ending after this (market time, e.g. 2022-01-18, or ISO 8601).")
    var from: String?

    @Option(help: "Intervals ending at or before this.")
    var to: String?

    @Option(name: .customLong("run"), help: "A run of mantad (runs.id); the host's current run when omitted.")
    var runID: Int?

    @Option(help: "The report folder (replaced).")
    var out: String

    /// Settled intervals asked for per reply: 20,000 (about 14 MB) is well
    /// inside the host's reply limit (api.max_reply_bytes, 64 MB).
    @Option(help: .hidden)
    var pageRows = 20_000

    func run() throws {
        var range = JSONObject()
        if let vpp { range["vpp"] = .string(vpp) }
        if let from { range["from"] = .string(from) }
        if let to { range["to"] = .string(to) }
        if let runID { range["run"] = .int(Int64(runID)) }
        do {
            let client = try host.connect(timeoutMs: 60_000)
            let summary = try client.result("settlement.summary", .object(range))
            var intervals: [JSON] = []
            for v in summary["by_vpp"]?.array ?? [] {
                guard let id = v["vpp"]?.string else { continue }
                var page = range
                page["vpp"] = .string(id)
                page["limit"] = .int(Int64(max(1, min(pageRows, 100_000))))
                while true {
                    let rows = try client.result("settlement.intervals", .object(page)).array ?? []
                    intervals += rows
                    guard rows.count == max(1, min(pageRows, 100_000)), let last = rows.last?["interval_end_ms"] else { break }
                    page["from"] = last
                }
            }
            func list(_ method: String, _ extra: [(String, JSON)]) throws(RPCClient.Failure) -> [JSON] {
                var p = range
                for (k, v) in extra { p[k] = v }
                return try client.result(method, .object(p)).array ?? []
            }
            var input = SettlementReport.Input(
                summary: summary, intervals: intervals,
                daily: try list("reports.financial", [("period", "day")]), monthly: try list("reports.financial", [("period", "month")]),
                vppEvents: try list("reports.events", [("category", "vpp"), ("limit", 100_000)]),
                derEvents: try list("reports.events", [("category", "der"), ("limit", 100_000)]))
            input.sites = try list("settlement.resources", [("by", "site"), ("limit", 100_000)])
            input.devices = try list("settlement.resources", [("by", "device"), ("limit", 100_000)])
            try SettlementReport.write(input, to: out)
            print("wrote \(out): \(intervals.count) settled intervals, \(summary["total_aud"]?.number ?? 0) AUD")
        } catch let e as RPCClient.Failure {
            printError("manta: \(e.message)")
            throw ExitCode(2)
        } catch let e as FileError {
            printError("manta: \(out): \(e)")
            throw ExitCode(1)
        }
    }
}
