import Foundation
import MantaJSON
import MantaTestSupport
import Testing
@testable import MantaHost

/// The request corpus in Tests/Fuzz/corpus (hostile and boundary requests,
/// one per file), every input and every truncation of it, through the whole
/// request path of a running host: each is answered (or, as a
/// notification, not), and the host answers host.info afterwards.
@Suite struct RequestCorpus {
    @Test func everyInputAndEveryTruncationIsAnsweredAndTheHostStaysUp() throws {
        let host = try TestHost(TestHost.config(plugins: []), name: "corpus")
        defer { try? host.stop() }
        let folder = "\(TestPaths.root)/Tests/Fuzz/corpus"
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        #expect(files.count >= 10)
        var inputs: [[UInt8]] = []
        for f in files where !f.contains("shutdown") {
            let bytes = TestPaths.read("\(folder)/\(f)")
            inputs.append(bytes)
            for cut in stride(from: 1, to: bytes.count, by: max(1, bytes.count / 16)) { inputs.append(Array(bytes[..<cut])) }
            // A byte flipped in each place of the first 64.
            for i in 0..<min(64, bytes.count) {
                var flipped = bytes
                flipped[i] ^= 0x20
                inputs.append(flipped)
            }
        }
        let core = host.runtime.host, all = inputs
        let answered = EventLoop.shared.sync { () -> Int in
            let dispatcher = core.dispatcher
            let session = RPCSession(peer: "127.0.0.1:1", loopback: true)
            var n = 0
            for input in all {
                input.withUnsafeBytes { raw in dispatcher.handle(raw, session: session) { _ in } }
                n += 1
            }
            return n
        }
        #expect(answered == inputs.count)
        #expect(try host.call("host.info")["abi"]?["major"] == 1)
    }
}
