import Foundation
import MantaFetch
import Testing

/// Zip files written by python3's zipfile, the reference writer.
enum PythonZip {
    /// An archive of `entries` (name, file whose bytes it holds, deflated?).
    static func make(_ entries: [(name: String, path: String, deflate: Bool)]) throws -> [UInt8] {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("manta-zip-\(UUID().uuidString).zip").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let script = """
            import sys, zipfile
            out, rest = sys.argv[1], sys.argv[2:]
            with zipfile.ZipFile(out, "w") as z:
                for name, path, method in zip(rest[0::3], rest[1::3], rest[2::3]):
                    z.write(path, name, zipfile.ZIP_DEFLATED if method == "deflate" else zipfile.ZIP_STORED)
            """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script, out] + entries.flatMap { [$0.name, $0.path, $0.deflate ? "deflate" : "store"] }
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        return Array(try Data(contentsOf: URL(fileURLWithPath: out)))
    }

    /// Writes `bytes` to a temporary file and returns its path.
    static func file(_ bytes: [UInt8]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("manta-zip-\(UUID().uuidString)").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Offset of the first central directory header (signature PK\1\2).
    static func centralDirectory(_ zip: [UInt8]) -> Int {
        (0..<(zip.count - 4)).first { zip[$0] == 0x50 && zip[$0 + 1] == 0x4b && zip[$0 + 2] == 1 && zip[$0 + 3] == 2 }!
    }
}

@Suite struct ZipArchiveTests {
    /// A real month of AEMO prices (../shared/data), as NEMWeb zips them.
    static let csvPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../../shared/data/nem/price_and_demand/SA1/PRICE_AND_DEMAND_202201_SA1.csv").standardized.path

    @Test(.enabled(if: FileManager.default.fileExists(atPath: csvPath), "needs ../shared/data"))
    func readsDeflatedAndStoredEntriesExactly() throws {
        let csv = Array(try Data(contentsOf: URL(fileURLWithPath: Self.csvPath)))
        let small: [UInt8] = Array("REGION,RRP\nSA1,87.5\n".utf8)
        let zip = try PythonZip.make([("PRICE.CSV", Self.csvPath, true), ("small.csv", try PythonZip.file(small), false)])
        let entries = try ZipArchive.entries(zip)
        try #require(entries.map(\.name) == ["PRICE.CSV", "small.csv"])
        #expect(entries[0].bytes == csv)
        #expect(entries[1].bytes == small)
        #expect(zip.count < csv.count / 3, "the CSV was deflated")
    }

    @Test func refusesAnEntryWhoseCRCDoesNotMatch() throws {
        let data: [UInt8] = Array("SETTLEMENTDATE,RRP\n2022/01/01 00:05:00,120.5\n".utf8)
        var zip = try PythonZip.make([("dispatch.csv", try PythonZip.file(data), false)])
        // Stored, so the data sits as is after the local header (30 bytes + name).
        let at = 30 + "dispatch.csv".utf8.count + 20
        #expect(zip[at] == data[20])
        zip[at] ^= 0x01
        #expect {
            try ZipArchive.entries(zip)
        } throws: { error in
            let text = "\(error)"
            return text.contains("dispatch.csv") && text.contains("CRC-32 mismatch")
        }
    }

    @Test func refusesAnEntryOverTheSizeLimitWithoutAllocatingIt() throws {
        let zeros = [UInt8](repeating: 0, count: 2 << 20)
        let zip = try PythonZip.make([("bomb.bin", try PythonZip.file(zeros), true)])
        #expect(zip.count < 10_000)
        #expect(try ZipArchive.entries(zip, maxEntryBytes: 4 << 20).first?.bytes == zeros)
        #expect {
            try ZipArchive.entries(zip, maxEntryBytes: 1 << 20)
        } throws: { error in
            "\(error)".contains("bomb.bin") && "\(error)".contains("\(2 << 20) bytes uncompressed, over the limit of \(1 << 20)")
        }
        // A size declared as 4 GiB - 1 (what ZIP64 writes) is refused at the default limit.
        var lying = zip
        let cd = PythonZip.centralDirectory(lying)
        for i in 0..<4 { lying[cd + 24 + i] = 0xFF }
        #expect {
            try ZipArchive.entries(lying)
        } throws: { error in
            "\(error)".contains("bomb.bin: 4294967295 bytes uncompressed, over the limit of \(ZipArchive.defaultMaxEntryBytes)")
        }
    }

    @Test func refusesAStreamThatInflatesToMoreThanItDeclares() throws {
        let zeros = [UInt8](repeating: 0, count: 100_000)
        var zip = try PythonZip.make([("short.bin", try PythonZip.file(zeros), true)])
        let cd = PythonZip.centralDirectory(zip)
        zip[cd + 24] = 0x10; zip[cd + 25] = 0; zip[cd + 26] = 0; zip[cd + 27] = 0  // declares 16 bytes
        #expect {
            try ZipArchive.entries(zip)
        } throws: { error in
            "\(error)".contains("short.bin: corrupt deflate data")
        }
    }
}

@Suite struct HTTPClientTests {
    /// Clients made on many threads at once (each init once ran
    /// curl_global_init, which is not thread-safe) all work.
    @Test func clientsOnManyThreadsAtOnceEachFetch() throws {
        let path = try PythonZip.file(Array("hello from a file\n".utf8))
        let failures = NSLock()
        nonisolated(unsafe) var bad: [String] = []
        DispatchQueue.concurrentPerform(iterations: 16) { _ in
            do {
                let body = try HTTPClient(timeoutMs: 5_000).get("file://\(path)")
                if body != Array("hello from a file\n".utf8) { failures.withLock { bad.append("wrong body") } }
            } catch {
                failures.withLock { bad.append("\(error)") }
            }
        }
        #expect(failures.withLock { bad }.isEmpty)
    }
}
