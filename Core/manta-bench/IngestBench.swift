import Foundation
@_spi(Benchmarks) import MantaHost
import MantaIO
import MantaJSON
import MantaKit
import MantaModel
import MantaSDK

/// Plugin -> host: samples published through the ABI, into the latest-value
/// table and into SQLite.
enum IngestBench {
    static func run(root: String, samples total: Int, into report: inout Report) throws {
        let homes = 10_000  // 20,000 devices
        let host = try BenchHost(root: root, plugins: [
            // Publishes once at start and then every simulated hour: the benchmark does the rest.
            ["instance": "fleet", "plugin": "manta.sim", "config": ["homes": .int(homes), "publish_interval_ms": 3_600_000]],
        ], store: ["max_batch_samples": 200_000, "commit_interval_ms": 200])
        defer { host.stop() }
        guard let table = host.runtime.hostTable(instance: "fleet") else { throw BenchError("no fleet instance") }
        let acW = "ac.w".withManta { table.pointee.point_id(table, $0) }
        _ = host.runtime.samplesReceived()
        let baseline = host.runtime.samplesReceived(), baseCommitted = host.runtime.committedSamples
        while host.runtime.committedSamples < Int64(baseline) { usleep(1000) }

        let batchSize = 10_000
        let batches = total / batchSize
        let t0 = Int64(Date().timeIntervalSince1970 * 1000)
        let prepared: [[manta_sample_t]] = (0..<batches).map { b in
            (0..<batchSize).map { i in
                let n = b * batchSize + i
                return manta_sample_t(device: UInt32(n % (2 * homes)), point: acW, time_ms: t0 + Int64(n / (2 * homes)),
                                      value: Double(n % 4000), quality: MANTA_QUALITY_GOOD, reserved: 0)
            }
        }
        // Publish from a plugin-like thread, timing the calls themselves.
        var insideCalls: UInt64 = 0
        let start = WallClock.monotonicNs()
        for batch in prepared {
            batch.withUnsafeBufferPointer { buf in
                let t = WallClock.monotonicNs()
                while table.pointee.publish_samples(table, buf.baseAddress, UInt32(buf.count)) == MANTA_ERR_BUSY { usleep(100) }
                insideCalls += WallClock.monotonicNs() - t
            }
        }
        let want = baseline + batches * batchSize
        while host.runtime.samplesReceived() < want { usleep(500) }
        let ingested = WallClock.monotonicNs()
        while host.runtime.committedSamples - baseCommitted < Int64(batches * batchSize) { usleep(1000) }
        let committed = WallClock.monotonicNs()
        let n = Double(batches * batchSize)
        let publishNs = Double(insideCalls) / n
        let ingestRate = n / (Double(ingested - start) / 1e9)
        let storeRate = n / (Double(committed - start) / 1e9)
        let totals = host.runtime.ingestTotals()

        // References: the model alone, and bare SQLite, on the same samples.
        let flat = prepared.joined().map { Sample(device: $0.device, point: $0.point, timeMs: $0.time_ms, value: $0.value, quality: .good) }
        let catalogJSON = try JSON.parse(String(decoding: FileManager.default.contents(atPath: "\(root)/registry/catalog/points.json")!, as: UTF8.self))
        let catalog = try PointCatalog(json: catalogJSON)
        let devices = (0..<2 * homes).map { i in
            DeviceDescriptor(number: UInt32(i), instance: "fleet", index: UInt32(i), key: "d\(i)", kind: i % 2 == 0 ? .battery : .pvInverter,
                             site: "s", ratings: DeviceRatings(ratedPowerW: 5000, maxChargeW: 5000, maxDischargeW: 5000),
                             controllable: true, readOnly: false)
        }
        let modelRate = n / BenchmarkReferences.modelOnly(flat, catalog: catalog, devices: devices)
        let rawPath = NSTemporaryDirectory() + "manta-bench-raw-\(UUID().uuidString.prefix(8)).db"
        let rawRate = n / (try BenchmarkReferences.rawSQLiteInsert(flat, path: rawPath))
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: rawPath + suffix) }

        report.section(
            "Telemetry ingest", command: "make bench   # or: .build/release/manta-bench --samples \(total)",
            header: ["path", "samples/s", "target", "reference (same run)", "ratio"],
            rows: [
                ["publish_samples() call, 10,000-sample batches (plugin -> host)", "\(fixed(publishNs, 1)) ns per sample", "", "", ""],
                ["through the ABI into the latest-value table", grouped(ingestRate), ">= 1,000,000",
                 "model alone (check + table update): \(grouped(modelRate))/s", "\(fixed(ingestRate / modelRate, 2))x"],
                ["through the ABI into SQLite (WAL, synchronous=FULL, committed)", grouped(storeRate), ">= 500,000",
                 "bare SQLite, same schema, arrival order, one transaction: \(grouped(rawRate))/s", "\(fixed(storeRate / rawRate, 2))x"],
            ],
            notes: ["\(grouped(n)) samples of `ac.w` for 20,000 devices of a real `manta.sim` instance, published through its `manta_host_t` from one thread while the loop validates them (catalog, device rating) and files them, and the store writer commits batches on a third thread. The SQLite figure is from the first publish to the last commit; the telemetry table is clustered by its (device, point, t_ms) key. After the run the latest-value table held \(grouped(Double(totals.series))) series."])
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
