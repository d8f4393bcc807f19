import MantaIO
import MantaMarket
import MantaMarketFiles

/// Reading AEMO's price files: parse speed against a plain byte scan of
/// the same bytes in the same run, a year loaded from disk, and a month's
/// backtest as a whole process.
enum MarketFilesBench {
    static func run(root: String, into report: inout Report) throws {
        let shared = "\(root)/../shared/data/nem"
        let folder = "\(shared)/price_and_demand/VIC1"
        let year = (try FileSystem.list(folder)).filter { $0.contains("_2023") }.map { "\(folder)/\($0)" }.sorted()
        guard year.count == 12 else { throw BenchError("needs the 2023 VIC1 files in ../shared/data") }
        let dispatch = "\(shared)/dispatch_fcas/DISPATCHPRICE_202101.CSV"
        let combined = "\(shared)/dispatch_fcas/nem_dispatch_prices_fcas_2025-12-20_2026-01-04.csv"
        var rows: [[String]] = []
        for (label, files) in [("PRICE_AND_DEMAND, VIC1 2023 (12 files)", year),
                               ("DISPATCHPRICE (MMS C/I/D), January 2021, 5 regions, 8 FCAS", [dispatch]),
                               ("combined dispatch-price CSV, 5 regions, 10 FCAS", [combined])] {
            let contents = try files.map { try FileSystem.read($0) }
            let bytes = contents.reduce(0) { $0 + $1.count }
            var intervals = 0
            let parse = try BacktestBench.median(9) {
                intervals = 0
                for (c, f) in zip(contents, files) {
                    intervals += try MarketFileFormat.parse(c, file: f).reduce(0) { $0 + $1.points.count }
                }
            }
            var lines = 0
            let scan = BacktestBench.median(9) { lines = contents.reduce(0) { $0 + newlines($1) } }
            guard lines >= intervals else { throw BenchError("\(label): \(intervals) intervals from \(lines) lines") }
            let mb = Double(bytes) / 1e6
            rows.append(["\(label): \(fixed(mb, 1)) MB, \(grouped(Double(intervals))) intervals", fixed(parse, 1),
                         "\(fixed(mb / (parse / 1000), 0)) MB/s", "byte scan: \(fixed(scan, 2)) ms",
                         "\(fixed(parse / scan, 1))x the scan"])
        }
        let load = try BacktestBench.median(9) { _ = try PriceFileLoader.load(year) }
        rows.append(["a year loaded from disk (read, parse, validate, join the 12 files)", fixed(load, 1), "", "", ""])

        // A month's backtest as an operator runs it, against starting a process that does nothing.
        let manta = "\(root)/.build/release/manta"
        let month = year[0]
        let args = ["backtest", "--prices", month, "--strategy", "threshold", "--battery", "power_mw=1,energy_mwh=2", "--json"]
        let backtest = try BacktestBench.median(9) { try spawn(manta, args) }
        let nothing = try BacktestBench.median(9) { try spawn("/bin/true", []) }
        rows.append(["`manta backtest` of a month (January 2023), whole process", fixed(backtest, 1), "",
                     "/bin/true: \(fixed(nothing, 1)) ms", "\(fixed(backtest / nothing, 1))x"])
        report.section(
            "Market files: parsing AEMO's price files",
            command: ".build/release/manta-bench --only markets",
            header: ["run", "ms (median of 9)", "rate", "reference (same run)", "ratio"],
            rows: rows,
            notes: ["Parse times are of bytes already in memory (MarketFileFormat.parse: every row validated, one series per region). The byte scan counts newlines over the same bytes, the least any parser must do. The process row starts `.build/release/manta` with posix_spawn, which loads the month from disk, backtests it and prints the JSON; the reference starts /bin/true the same way."])
    }

    static func newlines(_ bytes: [UInt8]) -> Int {
        bytes.withUnsafeBufferPointer { b in
            var n = 0
            for x in b where x == 0x0A { n += 1 }
            return n
        }
    }

    /// Runs `exe` to its end with posix_spawn (MantaIO's ChildProcess;
    /// Foundation's Process costs tens of ms of its own), draining its output.
    static func spawn(_ exe: String, _ args: [String]) throws {
        let child = try ChildProcess([exe] + args)
        while true {
            do { _ = try child.readLine(timeoutMs: 10_000) } catch { break }  // closed: it has ended
        }
        guard child.waitForExit(timeoutMs: 10_000) == 0 else { throw BenchError("\(exe) \(args.joined(separator: " ")) failed") }
    }
}
