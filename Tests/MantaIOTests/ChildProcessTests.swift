import Glibc
import MantaIO
import Testing

@Suite struct ChildProcessTests {
    /// The pipes a child started now holds: the inodes of its own stdin,
    /// stdout and stderr, and those of any pipe it holds above fd 2.
    static func childPipes() throws -> (own: Set<String>, inherited: Set<String>) {
        let child = try ChildProcess(["sh", "-c", "ls -l /proc/$$/fd"])
        var own: Set<String> = [], inherited: Set<String> = []
        do {
            while let line = try child.readLine(timeoutMs: 5_000) {
                let fields = line.split(separator: " ")
                guard let arrow = fields.firstIndex(of: "->"), arrow > 0, arrow + 1 < fields.count,
                      fields[arrow + 1].hasPrefix("pipe:"), let fd = Int(fields[arrow - 1]) else { continue }
                let inode = String(fields[arrow + 1])
                if fd <= 2 { own.insert(inode) } else { inherited.insert(inode) }
            }
        } catch {}  // end of output: the listing is complete
        return (own, inherited)
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
        // Other suites in this process start children too (Foundation's
        // Process, whose pipes are not close-on-exec), so a pipe above fd 2
        // proves nothing alone; a leak is a pipe that is another of these
        // children's stdin, stdout or stderr.
        let pool = Worker(name: "spawn", threads: 6)
        let found = Lock()
        final class Box: @unchecked Sendable { var own: Set<String> = []; var inherited: Set<String> = [] }  // guarded by `found`
        let box = Box()
        for _ in 0..<60 {
            pool.submit {
                // Each spawn's pipes exist while other threads spawn too.
                guard let pipes = try? Self.childPipes() else { return }
                found.withLock { box.own.formUnion(pipes.own); box.inherited.formUnion(pipes.inherited) }
            }
        }
        pool.join()
        let (own, inherited) = found.withLock { (box.own, box.inherited) }
        #expect(own.count >= 60 * 3, "each child has its own three pipes: \(own.count)")
        let leaked = inherited.intersection(own)
        #expect(leaked.isEmpty, "children inherited other children's pipes \(leaked.sorted())")
    }
}
