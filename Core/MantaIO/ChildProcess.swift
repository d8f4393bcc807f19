import CLinux
import Glibc

/// A child process with pipes to its stdin, stdout and stderr, read
/// line by line with deadlines: how a bridge talks to a model written in
/// another language without ever waiting on it for longer than it allows.
public final class ChildProcess {
    public let pid: pid_t
    private let stdinFD: Int32
    private let stdoutFD: Int32
    private let stderrFD: Int32
    private var out: [UInt8] = []
    private var err: [UInt8] = []
    private var exitStatus: Int32?

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Starts `arguments[0]` (looked up on PATH) with the rest as its arguments.
    public init(_ arguments: [String]) throws(Failure) {
        guard !arguments.isEmpty else { throw Failure(description: "no command") }
        var toChild: [Int32] = [0, 0], fromChild: [Int32] = [0, 0], errors: [Int32] = [0, 0]
        // O_CLOEXEC from the start: a child another thread spawns between
        // pipe() and a later fcntl() would otherwise inherit these ends and
        // hold them open (our reader would never see EOF). dup2 onto 0-2 in
        // the child clears the flag on the copies it is meant to have.
        guard pipe2(&toChild, O_CLOEXEC) == 0, pipe2(&fromChild, O_CLOEXEC) == 0, pipe2(&errors, O_CLOEXEC) == 0 else {
            let reason = String(cString: strerror(errno))
            (toChild + fromChild + errors).filter { $0 > 0 }.forEach { close($0) }
            throw Failure(description: "pipe: \(reason)")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toChild[0], 0)
        posix_spawn_file_actions_adddup2(&actions, fromChild[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errors[1], 2)
        var cArgs: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        var child: pid_t = 0
        let rc = posix_spawnp(&child, arguments[0], &actions, nil, &cArgs, environ)
        close(toChild[0])
        close(fromChild[1])
        close(errors[1])
        guard rc == 0 else {
            [toChild[1], fromChild[0], errors[0]].forEach { close($0) }
            throw Failure(description: "cannot start \(arguments[0]): \(String(cString: strerror(rc)))")
        }
        pid = child
        stdinFD = toChild[1]
        stdoutFD = fromChild[0]
        stderrFD = errors[0]
        _ = fcntl(stdinFD, F_SETFL, fcntl(stdinFD, F_GETFL) | O_NONBLOCK)
    }

    deinit {
        kill()
        [stdinFD, stdoutFD, stderrFD].forEach { close($0) }
    }

    /// Writes `line` and a newline, giving up after `timeoutMs` (a child
    /// that stops reading its input cannot block the caller).
    public func send(_ line: String, timeoutMs: Int) throws(Failure) {
        var bytes = Array(line.utf8)
        bytes.append(0x0A)
        var written = 0
        let deadline = WallClock.monotonicMs() + Int64(timeoutMs)
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { write(stdinFD, $0.baseAddress! + written, bytes.count - written) }
            if n > 0 { written += n; continue }
            if n < 0 && errno != EAGAIN && errno != EINTR { throw Failure(description: "write to the model: \(String(cString: strerror(errno)))") }
            let left = deadline - WallClock.monotonicMs()
            guard left > 0 else { throw Failure(description: "the model is not reading its input") }
            var p = pollfd(fd: stdinFD, events: Int16(POLLOUT), revents: 0)
            _ = poll(&p, 1, Int32(left))
        }
    }

    /// The next line from stdout, or nil when none arrived within
    /// `timeoutMs`. Throws when the child has closed its stdout (exited).
    public func readLine(timeoutMs: Int) throws(Failure) -> String? {
        let deadline = WallClock.monotonicMs() + Int64(timeoutMs)
        while true {
            if let nl = out.firstIndex(of: 0x0A) {
                let line = String(decoding: out[..<nl], as: UTF8.self)
                out.removeSubrange(...nl)
                return line
            }
            let left = max(0, deadline - WallClock.monotonicMs())
            var fds = [pollfd(fd: stdoutFD, events: Int16(POLLIN), revents: 0), pollfd(fd: stderrFD, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, 2, Int32(left))
            if ready < 0 && errno == EINTR { continue }
            if fds[1].revents != 0 { _ = drain(stderrFD, into: &err) }
            if fds[0].revents != 0 {
                if drain(stdoutFD, into: &out) == 0 {
                    // A child that closed its output is usually a moment from exiting.
                    throw Failure(description: "the model closed its output (\(waitForExit(timeoutMs: 100).map(Self.describe) ?? "still running"))")
                }
                continue
            }
            if left == 0 || ready == 0 { return nil }
        }
    }

    /// Reads what is available; returns the number of bytes (0 at EOF).
    private func drain(_ fd: Int32, into buffer: inout [UInt8]) -> Int {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n > 0 { buffer.append(contentsOf: chunk[0..<n]) }
        return max(0, n)
    }

    /// Complete lines the child has written to stderr since the last call.
    public func errorLines() -> [String] {
        var fds = pollfd(fd: stderrFD, events: Int16(POLLIN), revents: 0)
        while poll(&fds, 1, 0) > 0, fds.revents & Int16(POLLIN) != 0, drain(stderrFD, into: &err) > 0 {}
        guard let last = err.lastIndex(of: 0x0A) else { return [] }
        let lines = err[...last].split(separator: 0x0A).map { String(decoding: $0, as: UTF8.self) }
        err.removeSubrange(...last)
        return lines
    }

    /// The exit status once the child has ended (without waiting).
    public func reap() -> Int32? {
        if let s = exitStatus { return s }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid { exitStatus = status }
        return exitStatus
    }

    public var isRunning: Bool { reap() == nil }

    /// The exit status, waiting up to `timeoutMs` for the child to exit
    /// (nil if it has not).
    public func waitForExit(timeoutMs: Int) -> Int32? {
        for _ in 0..<max(1, timeoutMs / 5) {
            if let s = reap() { return s }
            usleep(5_000)
        }
        return reap()
    }

    /// Ends the child: SIGKILL, then reap it.
    public func kill() {
        guard reap() == nil else { return }
        Glibc.kill(pid, SIGKILL)
        var status: Int32 = 0
        if waitpid(pid, &status, 0) == pid { exitStatus = status }
    }

    /// "exited, status 3" or "killed by signal 9 (Killed)" for a wait status.
    public static func describe(_ status: Int32) -> String {
        let signal = status & 0x7F
        return signal != 0 ? "killed by signal \(signal) (\(String(cString: strsignal(signal))))" : "exited, status \((status >> 8) & 0xFF)"
    }
}
