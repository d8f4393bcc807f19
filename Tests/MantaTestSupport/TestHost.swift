@_exported import MantaTestPaths
import Foundation
import MantaHost
import MantaJSON
import MantaTools

/// A real mantad runtime in the test process: its loop on a thread of its
/// own, its API on a free port, its store in a temporary folder.
public final class TestHost: @unchecked Sendable {
    public let runtime: HostRuntime
    public let folder: String
    public let address: String
    private let finished = DispatchSemaphore(value: 0)

    /// A config with the repository's plugins and `extraPluginDirs`, a
    /// replay clock at `speed`, and the given instances and VPPs.
    public static func config(plugins: [JSON], vpps: [JSON] = [], start: String = "2022-07-17T00:00:00+10:00",
                              speed: Double = 3000, extraPluginDirs: [String] = [], dispatch: JSON = [:]) -> JSON {
        [
            "store": ["commit_interval_ms": 50],
            "api": ["listen": "127.0.0.1:0"],
            "log": ["level": "warn"],
            "clock": ["mode": "replay", "start": .string(start), "speed": .number(speed)],
            "catalog": .string(TestPaths.root + "/registry/catalog/points.json"),
            "plugin_dirs": .array(([TestPaths.root + "/Plugins"] + extraPluginDirs).map(JSON.string)),
            "library_dirs": [.string(TestPaths.products)],
            "plugins": .array(plugins),
            "vpps": .array(vpps),
            "dispatch": dispatch,
        ]
    }

    /// A host on `config`, with its store in a temporary folder (SQLite)
    /// or a fresh database of its own (`store: .postgres`).
    public init(_ config: JSON, name: String = "host", store backend: TestStore = .sqlite) throws {
        folder = TestPaths.temporaryFolder(name)
        var c = config.object!
        var store = c["store"]?.object ?? JSONObject()
        for (k, v) in try backend.json(name: name, folder: folder).object?.members ?? [] { store[k] = v }
        c["store"] = .object(store)
        let path = "\(folder)/manta.json"
        try JSON.object(c).pretty().write(toFile: path, atomically: true, encoding: .utf8)
        runtime = try HostRuntime(config: try HostConfig.load(path), logger: Logger(level: .warn))
        try runtime.start()
        address = "127.0.0.1:\(runtime.rpcPort)"
        let runtime = self.runtime, done = finished
        Thread.detachNewThread {
            runtime.run()
            done.signal()
        }
    }

    public var database: String { "\(folder)/manta.db" }

    public func client() throws -> RPCClient { try RPCClient(address: address) }

    /// Calls `method` and returns its result, failing on an RPC error.
    public func call(_ method: String, _ params: JSON? = nil) throws -> JSON {
        try client().result(method, params)
    }

    /// Polls `condition` every 20 ms for up to `seconds`.
    public func waitFor(_ seconds: Double = 10, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return try condition()
    }

    /// Shuts the host down through its API and waits for it.
    public func stop() throws {
        _ = try call("host.shutdown")
        guard finished.wait(timeout: .now() + 30) == .success else { throw RPCClient.Failure(message: "host did not stop") }
        runtime.teardown()
    }
}

extension JSON {
    /// An object with `other`'s members added (replacing same-named ones).
    public func merging(_ other: JSON) -> JSON {
        guard var o = object, let extra = other.object else { return self }
        for (k, v) in extra.members { o[k] = v }
        return .object(o)
    }
}
