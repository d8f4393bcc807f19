import Foundation
@_spi(Benchmarks) import MantaHost
import MantaIO
import MantaJSON

/// A real host for a benchmark: its loop on its own thread.
final class BenchHost: @unchecked Sendable {
    let runtime: HostRuntime
    let folder: String
    private let done = DispatchSemaphore(value: 0)

    init(root: String, plugins: [JSON], vpps: [JSON] = [], store: JSON = [:], api: JSON = ["listen": "127.0.0.1:0"]) throws {
        folder = NSTemporaryDirectory() + "manta-bench-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var storeConfig = store.object ?? JSONObject()
        storeConfig["path"] = .string("\(folder)/manta.db")
        let config: JSON = [
            "api": api,
            "log": ["level": "warn"],
            "store": .object(storeConfig),
            "catalog": .string("\(root)/registry/catalog/points.json"),
            "plugin_dirs": [.string("\(root)/Plugins")],
            "library_dirs": [.string("\(root)/.build/release")],
            "telemetry": ["max_queued_samples": 20_000_000],
            "plugins": .array(plugins),
            "vpps": .array(vpps),
        ]
        let path = "\(folder)/manta.json"
        try FileSystem.write(config.pretty(), to: path)
        runtime = try HostRuntime(config: try HostConfig.load(path), logger: Logger(level: .warn))
        try runtime.start()
        let r = runtime, d = done
        Thread.detachNewThread {
            r.run()
            d.signal()
        }
    }

    var address: String { "127.0.0.1:\(runtime.rpcPort)" }

    func stop() {
        runtime.requestShutdown(reason: "benchmark done")
        _ = done.wait(timeout: .now() + 60)
        runtime.teardown()
        try? FileManager.default.removeItem(atPath: folder)
    }
}
