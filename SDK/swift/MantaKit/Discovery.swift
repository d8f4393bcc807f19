import MantaABI
import MantaJSON
import MantaSDK

/// A driver module that finds devices ("manta.discovery/1"). Module-level:
/// no instance is involved, and `scan` may be called from any thread.
public protocol DiscoveryProvider: SendableMetatype {
    /// Scans what `request` asks for (see discovery.h: target, ports,
    /// units, timeout_ms, concurrency, config) and hands each device found
    /// to `found`, which returns false to stop. Throw `.invalid("member:
    /// why")` for a request that cannot be made sense of.
    static func scan(_ request: JSON, found: (JSON) -> Bool) throws(PluginError)
}

/// The "manta.discovery/1" table for a module's DiscoveryProvider.
enum DiscoveryThunks {
    nonisolated(unsafe) static let table: UnsafeMutablePointer<manta_discovery_t> = {
        let t = UnsafeMutablePointer<manta_discovery_t>.allocate(capacity: 1)
        t.initialize(to: manta_discovery_t(struct_size: UInt32(MemoryLayout<manta_discovery_t>.size), reserved0: 0, scan: scan))
        return t
    }()

    static let scan: @convention(c) (manta_str_t, manta_discovery_sink_fn?, UnsafeMutableRawPointer?,
                                     UnsafeMutablePointer<CChar>?) -> Int32 = { request, sink, ctx, error in
        func fail(_ e: PluginError) -> Int32 {
            if let error {
                let bytes = Array(e.message.utf8.prefix(Int(MANTA_MESSAGE_SIZE) - 1))
                for (i, b) in bytes.enumerated() { error[i] = CChar(bitPattern: b) }
                error[bytes.count] = 0
            }
            return e.code
        }
        guard let provider = MantaModule.discovery, let sink else { return fail(.invalid("no discovery in this module")) }
        let json: JSON
        do { json = try JSON.parse(String(manta: request)) } catch { return fail(.invalid("request is not JSON: \(error)")) }
        do throws(PluginError) {
            try provider.scan(json) { found in
                found.serialized().withManta { sink(ctx, $0) } == MANTA_OK
            }
            return MANTA_OK
        } catch {
            return fail(error)
        }
    }
}
