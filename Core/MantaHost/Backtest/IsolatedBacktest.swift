import MantaEngine
import MantaIO
import MantaJSON
import MantaMarket

/// A backtest of a strategy plugin, run in a child `manta backtest --json`
/// next to mantad: the plugin's code never runs in the host, so a plugin
/// that crashes, aborts or hangs ends that child only and the backtest
/// fails with the reason. Built-in strategies run in process.
enum IsolatedBacktest {
    /// Whether `strategy` names plugin code (an id or a .so) rather than the engine's own.
    static func runsPluginCode(_ strategy: String) -> Bool {
        !(BuiltInStrategies.accepted.contains(strategy) || ["optimal", "mpc-oracle", "mpc-predispatch"].contains(strategy))
    }

    /// The CLI beside the running executable.
    static var cli: String? {
        guard let exe = Paths.executable else { return nil }
        let path = Paths.join(Paths.directory(of: exe), "manta")
        return FileSystem.exists(path) ? path : nil
    }

    /// [worker] Runs `r` in a child; `batteries` are the specs as the caller wrote them.
    static func run(_ r: BacktestRequest, batteries: [String], timeoutMs: Int = 600_000) -> Result<JSON, BacktestError> {
        guard let cli else { return .failure(BacktestError("the manta CLI is not beside mantad: plugin strategies cannot be backtested")) }
        var args = [cli, "backtest", "--json", "--strategy", r.strategy, "--history", String(r.historyIntervals), "--log-level", "error"]
        if r.allowGaps { args.append("--allow-gaps") }
        if !r.tariff.isZero {
            args += ["--network-aud-per-mwh", String(r.tariff.perMWh), "--demand-aud-per-kw-month", String(r.tariff.demandPerKWMonth)]
        }
        if let loss = r.maxLossAUD { args += ["--max-loss-aud", String(loss), "--loss-window", String(r.lossWindowIntervals)] }
        args += ["--markets", r.markets.rawValue]
        if let site = r.site { args += site.arguments }
        if let region = r.region { args += ["--region", region.code] }
        if let from = r.fromMs { args += ["--from", MarketTime.iso(from)] }
        if let to = r.toMs { args += ["--to", MarketTime.iso(to)] }
        if let h = r.horizonMs { args += ["--horizon", MarketTime.iso(h)] }
        if let config = r.strategyConfig { args += ["--config", config.serialized()] }
        for d in r.pluginDirs { args += ["--plugin-dir", d] }
        for d in r.libraryDirs { args += ["--library-dir", d] }
        for b in batteries { args += ["--battery", b] }
        args += ["--prices"] + r.prices
        let child: ChildProcess
        do { child = try ChildProcess(args) } catch { return .failure(BacktestError("cannot start \(cli): \(error)")) }
        var lines: [String] = []
        let deadline = WallClock.monotonicMs() + Int64(timeoutMs)
        while true {
            let left = deadline - WallClock.monotonicMs()
            guard left > 0 else {
                child.kill()
                return .failure(BacktestError("the strategy did not finish within \(timeoutMs / 1000) s; stopped"))
            }
            do {
                guard let line = try child.readLine(timeoutMs: Int(min(left, 1000))) else { continue }
                lines.append(line)
            } catch {
                break  // the child closed its output: it has ended
            }
        }
        let status = child.waitForExit(timeoutMs: 5000) ?? { child.kill(); return child.reap() ?? -1 }()
        let stderr = child.errorLines().suffix(3).joined(separator: " | ")
        guard status == 0 else {
            let how = status == -1 ? "did not exit" : ChildProcess.describe(status)
            return .failure(BacktestError("the backtest of \(r.strategy) failed (its process \(how))\(stderr.isEmpty ? "" : ": \(stderr)")"))
        }
        do {
            return .success(try JSON.parse(lines.joined(separator: "\n")))
        } catch {
            return .failure(BacktestError("the backtest of \(r.strategy) printed no result: \(error)"))
        }
    }
}
