import Glibc
import MantaIO
import Synchronization
import Testing

@Suite struct WorkerTests {
    @Test func jobsRunInSubmissionOrderOnOneThread() {
        let worker = Worker(name: "order")
        let seen = Mutex<[(Int, pthread_t)]>([])
        for i in 0..<200 {
            worker.submit { seen.withLock { $0.append((i, pthread_self())) } }
        }
        worker.join()
        let runs = seen.withLock { $0 }
        #expect(runs.map(\.0) == Array(0..<200))
        #expect(Set(runs.map(\.1)).count == 1)
        #expect(runs.first?.1 != pthread_self())
    }

    @Test func syncReturnsTheValueOrNilAtTheTimeout() {
        let worker = Worker(name: "sync")
        defer { worker.join() }
        #expect(worker.sync(timeoutMs: 5_000) { 6 * 7 } == 42)
        let start = WallClock.monotonicMs()
        let late = worker.sync(timeoutMs: 50) { () -> Int in usleep(400_000); return 1 }
        let waited = WallClock.monotonicMs() - start
        #expect(late == nil)
        #expect(waited >= 50 && waited < 350, "waited \(waited) ms for a 50 ms timeout")
    }

    @Test func busyForMsGrowsWhileAJobRunsAndIsZeroWhenIdle() {
        let worker = Worker(name: "busy")
        defer { worker.join() }
        #expect(worker.busyForMs == 0)
        let release = Completion<Bool>(), started = Completion<Bool>()
        worker.submit {
            started.finish(true)
            _ = release.wait(timeoutMs: 10_000)
        }
        #expect(started.wait(timeoutMs: 5_000) == true)
        usleep(120_000)
        let first = worker.busyForMs
        usleep(120_000)
        let second = worker.busyForMs
        #expect(first >= 100 && first < 5_000, "busy for \(first) ms after 120 ms")
        #expect(second >= first + 100, "busy for \(first) then \(second) ms")
        release.finish(true)
        let deadline = WallClock.monotonicMs() + 5_000
        while worker.busyForMs != 0 && WallClock.monotonicMs() < deadline { usleep(1_000) }
        #expect(worker.busyForMs == 0)
    }

    @Test func manyThreadsSubmittingConcurrentlyLoseNothing() {
        let target = Worker(name: "target", threads: 3)
        let submitters = Worker(name: "submit", threads: 8)
        let ran = Atomic<Int>(0), sum = Atomic<Int>(0)
        for s in 0..<8 {
            submitters.submit {
                for i in 0..<2_000 {
                    target.submit {
                        ran.add(1, ordering: .relaxed)
                        sum.add(s * 2_000 + i, ordering: .relaxed)
                    }
                }
            }
        }
        submitters.join()
        target.join()
        #expect(ran.load(ordering: .relaxed) == 16_000)
        #expect(sum.load(ordering: .relaxed) == (0..<16_000).reduce(0, +))
    }

    @Test func jobsSubmittedAfterCloseAreDropped() {
        let worker = Worker(name: "closed")
        let ran = Atomic<Int>(0)
        worker.submit { ran.add(1, ordering: .relaxed) }
        worker.join()
        worker.submit { ran.add(1, ordering: .relaxed) }
        worker.join()
        #expect(ran.load(ordering: .relaxed) == 1)
    }
}

@Suite struct LockTests {
    @Test func completionWakesAWaiterOnAnotherThread() {
        let done = Completion<String>()
        let worker = Worker(name: "finish")
        defer { worker.join() }
        worker.submit { usleep(50_000); done.finish("here") }
        #expect(done.wait(timeoutMs: 5_000) == "here")
        #expect(Completion<Int>().wait(timeoutMs: 20) == nil)
    }

    @Test func lockExcludesConcurrentCriticalSections() {
        final class Counter: @unchecked Sendable { var n = 0 }  // guarded by `lock` in the test
        let lock = Lock(), counter = Counter()
        let pool = Worker(name: "lock", threads: 4)
        for _ in 0..<4 {
            pool.submit { for _ in 0..<50_000 { lock.withLock { counter.n += 1 } } }
        }
        pool.join()
        #expect(lock.withLock { counter.n } == 200_000)
    }
}
