import ArgumentParser
import MantaEngine
import MantaHost
import MantaIO
import MantaJSON
import MantaTools
import MantaMarket
import MantaText

/// `manta arena`: contenders trade the same history side by side.
struct ArenaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "arena",
        abstract: "Run strategies side by side on the same prices and batteries, and rank them by revenue per MW.",
        usage: marketUsage("arena", " [--strategies <strategies>]"),
        discussion: """
            A contender is a built-in strategy (threshold, rules, mpc-persistence, mpc-seasonal, mpc-regression), \
            `all` for every one of them, rules:FILE.json, python:SCRIPT.py, a strategy plugin's id or its .so \
            path; LABEL=CONTENDER names one, so the same strategy can run twice. Give a contender's config with \
            --config LABEL='{...}'. Each contender runs with its own state; the perfect-foresight bound is \
            reported beside them, never among them. A contender that fails is listed last with its error.

            Example:
              manta arena --prices ../shared/data/nem/price_and_demand/SA1 \\
                  --from 2022-01-01 --to 2023-01-01 \\
                  --strategies all,python:examples/models/band_model.py \\
                  --battery power_mw=1,energy_mwh=2,eta_rt=0.9 --report reports/arena
            """)

    @OptionGroup var market: MarketRunOptions

    @Option(help: "Comma-separated contenders, or all.")
    var strategies = "all"

    @Option(help: "LABEL={...}: a contender's config (repeat per contender).")
    var config: [String] = []

    @Option(help: "Threads the contenders share.")
    var workers = 2

    @Flag(help: "Print one JSON object with the leaderboard.")
    var json = false

    @Option(help: "Write the leaderboard, a cumulative revenue chart and each contender's months into this folder.")
    var report: String?

    func run() throws {
        // Every argument is checked before the prices load (see MarketRunOptions).
        let (request, configs) = try Self.checkingArguments {
            var configs: [String: JSON] = [:]
            for item in config {
                guard let eq = item.firstIndex(of: "=") else { throw ValidationError("--config: expected LABEL={...}, got \(item)") }
                do { configs[String(item[..<eq])] = try JSON.parse(String(item[item.index(after: eq)...])) } catch {
                    throw ValidationError("--config \(item[..<eq]): not JSON: \(error)")
                }
            }
            return (try market.request(strategy: ""), configs)
        }
        let outcome: Arena.Outcome
        do {
            let contenders = try Arena.contenders(strategies.split(separator: ",").map(String.init), configs: configs,
                                                  libraryDirs: market.libraryDirs)
            let bar = ProgressBar(enabled: !json && ProgressBar.onTerminal,
                                  label: "arena: \(contenders.count) contenders on \(max(1, min(workers, contenders.count))) workers")
            defer { bar.clear() }
            outcome = try Arena.run(request, contenders: contenders, workers: max(1, workers), catalog: market.catalog(),
                                    logger: market.logger()) { bar.update($0) }
        } catch {
            printError("manta arena: \(error)")
            throw ExitCode(1)
        }
        let summary = Arena.json(outcome, batteries: request.batteries)
        if let report {
            do { try ArenaReport.write(outcome, json: summary, to: report) } catch {
                printError("manta arena: --report \(report): \(error)")
                throw ExitCode(1)
            }
        }
        print(json ? summary.pretty() : text(summary, report: report))
    }

    func text(_ s: JSON, report: String?) -> String {
        var lines = ["Arena \(s["region"]?.string ?? "") \(s["from"]?.string ?? "") to \(s["to"]?.string ?? ""): "
                     + "\(s["intervals"]?.integer ?? 0) intervals, perfect foresight \(NumberText.fixed(s["optimal_revenue_aud"]?.number ?? .nan, 2)) AUD", "",
                     "  rank  strategy                      revenue AUD   per MW AUD   capture   cycles   run s"]
        for row in s["leaderboard"]?.array ?? [] {
            let name = (row["strategy"]?.string ?? "").padded(28)
            if let error = row["error"]?.string {
                lines.append("  \(String(row["rank"]?.integer ?? 0).leftPadded(4))  \(name)  failed: \(error)")
                continue
            }
            let cells = [NumberText.fixed(row["revenue_aud"]?.number ?? .nan, 2).leftPadded(11),
                         NumberText.fixed(row["revenue_per_mw"]?.number ?? .nan, 2).leftPadded(11),
                         (NumberText.fixed((row["capture_ratio"]?.number ?? .nan) * 100, 1) + " %").leftPadded(8),
                         NumberText.fixed(row["cycles"]?.number ?? .nan, 1).leftPadded(7),
                         NumberText.fixed(row["elapsed_s"]?.number ?? .nan, 2).leftPadded(6)]
            lines.append("  \(String(row["rank"]?.integer ?? 0).leftPadded(4))  \(name)  \(cells.joined(separator: "  "))")
        }
        lines.append("")
        lines.append("  \(NumberText.fixed(s["elapsed_s"]?.number ?? .nan, 2)) s for every contender on \(workers) workers")
        if let report { lines.append("  report written to \(report)/") }
        return lines.joined(separator: "\n")
    }
}
