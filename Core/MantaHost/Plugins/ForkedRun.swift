import CLinux
import Glibc
import MantaText

/// Runs checks in a child process and collects their report lines, so that
/// a crash inside plugin code becomes a failed step instead of the end of
/// the checker.
enum ForkedRun {
    /// What a check step reports through.
    struct Emitter {
        let fd: Int32

        /// Announces the step about to run (named in the report if it crashes).
        func begin(_ step: String) { write("STEP\t\(step)\t") }

        func report(_ status: CheckReport.Status, _ step: String, _ detail: String = "") {
            write("\(status.rawValue)\t\(step)\t\(detail.replacingTabsAndNewlines)")
        }

        private func write(_ line: String) {
            var text = line + "\n"
            text.withUTF8 { buf in _ = Glibc.write(fd, buf.baseAddress, buf.count) }
        }
    }

    static func run(_ body: (Emitter) -> Void) -> [CheckReport.Line] {
        var fds: [Int32] = [0, 0]
        // Close-on-exec: a child another thread spawns meanwhile must not
        // hold the write end (the read below would wait for it to exit).
        guard pipe2(&fds, O_CLOEXEC) == 0 else { return [CheckReport.Line(status: .fail, step: "fork", detail: "pipe failed")] }
        let pid = fork()
        if pid == 0 {
            close(fds[0])
            body(Emitter(fd: fds[1]))
            close(fds[1])
            _exit(0)
        }
        close(fds[1])
        guard pid > 0 else { return [CheckReport.Line(status: .fail, step: "fork", detail: String(cString: strerror(errno)))] }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fds[0], $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            output += chunk[0..<n]
        }
        close(fds[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}

        var lines: [CheckReport.Line] = []
        var current: String?
        for raw in output.split(separator: 0x0A) {
            let parts = String(decoding: raw, as: UTF8.self).split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3 else { continue }
            if parts[0] == "STEP" { current = parts[1]; continue }
            if let s = CheckReport.Status(rawValue: parts[0]) {
                lines.append(CheckReport.Line(status: s, step: parts[1], detail: parts[2]))
                if parts[1] == current { current = nil }
            }
        }
        let signal = status & 0x7F
        if signal != 0 {
            let name = String(cString: strsignal(signal))
            lines.append(CheckReport.Line(status: .fail, step: current ?? "plugin",
                                          detail: "the plugin crashed: signal \(signal) (\(name))\(current.map { " during \($0)" } ?? "")"))
        } else if (status >> 8) & 0xFF != 0 {
            lines.append(CheckReport.Line(status: .fail, step: current ?? "plugin", detail: "the plugin exited the process with status \((status >> 8) & 0xFF)"))
        }
        return lines
    }
}
