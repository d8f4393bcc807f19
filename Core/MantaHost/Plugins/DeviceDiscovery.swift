import MantaABI
import MantaIO
import MantaJSON
import MantaSDK

/// devices.discover: every driver module under the plugin folders that
/// offers "manta.discovery/1" scans what the caller asks, one module after
/// another, on a thread of its own (a scan waits on the network for
/// seconds), and the devices found are answered on the loop. The host knows
/// nothing of what a module scans for; it passes each module the config of
/// a configured instance of it, if there is one.
@LoopActor
final class DeviceDiscovery {
    private let pluginDirs: [String]
    private let libraryDirs: [String]
    private let plugins: PluginTable
    private let worker = Worker(name: "discover")

    init(pluginDirs: [String], libraryDirs: [String], plugins: PluginTable) {
        self.pluginDirs = pluginDirs
        self.libraryDirs = libraryDirs
        self.plugins = plugins
    }

    static let params: JSON = Schemas.params([
        ("target", ["type": "string", "minLength": 1, "maxLength": 64, "description": "an address, or a CIDR block"]),
        ("ports", ["type": "string", "default": "502", "maxLength": 64, "description": "\"502\", \"15020-15030\", \"502,1502\""]),
        ("units", ["type": "array", "maxItems": 256, "items": ["type": "integer", "minimum": 0, "maximum": 255]]),
        ("timeout_ms", ["type": "integer", "minimum": 10, "maximum": 10000, "default": 1000]),
        ("concurrency", ["type": "integer", "minimum": 1, "maximum": 256, "default": 64]),
    ], required: ["target"])

    func scan(_ params: JSONObject, _ respond: @escaping RPCRespond) {
        let index = ManifestIndex(pluginDirs: pluginDirs, libraryDirs: libraryDirs)
        let records = plugins.records
        worker.submit {
            let result = Self.scan(params, index: index, records: records)
            EventLoop.shared.execute { respond(result) }
        }
    }

    func close() { worker.close() }

    /// [host] Runs every offering module's scan in turn.
    private nonisolated static func scan(_ params: JSONObject, index: ManifestIndex, records: [InstanceRecord])
        -> Result<JSON, RPCError>
    {
        var found: [JSON] = [], offered = 0
        for manifest in index.manifests where manifest.kind == .driver {
            guard case .success(let path) = index.libraryPath(for: manifest),
                  let module = try? ModuleLoader.load(manifest, path: path),
                  let ext = module.table.pointee.get_extension(MANTA_DISCOVERY_ID),
                  Int(ext.load(as: UInt32.self)) >= MemoryLayout<manta_discovery_t>.size
            else { continue }
            offered += 1
            var request = params
            request["config"] = records.first { $0.pluginID == manifest.id && $0.config != nil }?.config ?? .object(JSONObject())
            let table = ext.assumingMemoryBound(to: manta_discovery_t.self).pointee
            let sink = Sink()
            var error = [CChar](repeating: 0, count: Int(MANTA_MESSAGE_SIZE))
            let rc = JSON.object(request).serialized().withManta { r in
                error.withUnsafeMutableBufferPointer { e in
                    table.scan(r, { ctx, json in
                        Unmanaged<Sink>.fromOpaque(ctx!).takeUnretainedValue().take(String(manta: json))
                    }, Unmanaged.passUnretained(sink).toOpaque(), e.baseAddress)
                }
            }
            guard rc == MANTA_OK else {
                let why = String(nulTerminated: error)
                return .failure(rc == MANTA_ERR_INVALID ? .invalidParams(why) : .unavailable("\(manifest.id): \(why)"))
            }
            found += sink.found
        }
        guard offered > 0 else { return .failure(.unavailable("no driver under plugin_dirs offers \(MANTA_DISCOVERY_ID)")) }
        return .success(.array(found))
    }

    /// Collects what a scan hands back, on the scanning thread.
    private final class Sink {
        var found: [JSON] = []

        func take(_ text: String) -> Int32 {
            guard let json = try? JSON.parse(text), json.object != nil else { return MANTA_ERR_INVALID }
            found.append(json)
            return found.count < 100_000 ? MANTA_OK : MANTA_ERR_BUSY
        }
    }
}
