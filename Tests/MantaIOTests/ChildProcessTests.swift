import Glibc
import MantaIO
import Testing

@Suite struct ChildProcessTests {
    /// The fd numbers above 2 that a child started now holds open as pipes.
    static func inheritedPipes() throws -> [String] {
        let child = try ChildProcess(["sh", "-c", "ls -l /proc/$$/fd"])
        var pipes: [String] = []
        do {
            while let line = try child.readLine(timeoutMs: 5_000) {
                let fields = line.split(separator: " ")
                guard line.contains("pipe:"), let arrow = fields.firstIndex(of: "->"), arrow > 0 else { continue }
                let fd = String(fields[arrow - 1])
                if (Int(fd) ?? 0) > 2 { pipes.append(fd) }
            }
        } catch {}  // end of output: the listing is complete
        return pipes
    }

    @Test func echoesALineThroughThePipes() throws {
        let cat = try ChildProcess(["cat"])
        try cat.send("hello", timeoutMs: 1_000)
        #expect(try cat.readLine(timeoutMs: 5_000) == "hello")
    }

    /// Children started from several threads at once never receive each
    /// other's pipes: with pipe() and a later FD_CLOEXEC, a child spawned in
    /// between would inherit them (and hold the other child's stdin open).
    @Test func childrenOfOtherThreadsDoNotInheritThePipes() throws {
        let baseline = Set(try Self.inheritedPipes())  // whatever the test runner itself leaves open
        let pool = Worker(name: "spawn", threads: 6)
        let found = Lock()
        final class Box: @unchecked Sendable { var leaked: [String] = [] }  // guarded by `found`
        let box = Box()
        for _ in 0..<60 {
            pool.submit {
                // Each spawn's pipes exist while other threads spawn too.
                let extra = ((try? Self.inheritedPipes()) ?? []).filter { !baseline.contains($0) }
                if !extra.isEmpty { found.withLock { box.leaked += extra } }
            }
        }
        pool.join()
        let leaked = found.withLock { box.leaked }
        #expect(leaked.isEmpty, "children inherited pipe fds \(leaked)")
    }
}
