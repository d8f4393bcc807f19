import Foundation
import MantaJSON

/// HiGHS (highspy) solving the same LP as Manta, through the scripts the
/// tests use too: the independent reference a bound is timed against.
enum HighsReference {
    /// Runs scripts/`script` with `arguments`: (optimum AUD, seconds HiGHS
    /// spent solving). The answer is the last stdout line that is a JSON
    /// object with both figures: HiGHS may print a banner first (highspy
    /// 1.16 does, from its constructor, before any option can silence it).
    /// A bench that cannot run its reference fails, naming why, rather than
    /// printing a table without it.
    static func run(root: String, script: String, _ arguments: [String]) -> Result<(Double, Double), BenchError> {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "\(root)/scripts/\(script)"] + arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        let hint = " (scripts/install-deps --test installs the highspy it needs)"
        do { try p.run() } catch { return .failure(BenchError("python3: \(error)\(hint)")) }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard p.terminationStatus == 0 else {
            let last = errors.split(separator: "\n").last.map(String.init) ?? "no message on stderr"
            return .failure(BenchError("the HiGHS reference \(script) exited with status \(p.terminationStatus): \(last)\(hint)"))
        }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
        for line in lines.reversed() {
            if let json = try? JSON.parse(String(line)), let value = json["revenue_aud"]?.number,
               let seconds = json["solve_s"]?.number {
                return .success((value, seconds))
            }
        }
        return .failure(BenchError("\(script) printed no JSON line with revenue_aud and solve_s "
                                   + "(stdout: \(lines.first.map { "\"\($0)\"" } ?? "empty"))"))
    }
}
