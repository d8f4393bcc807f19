import MantaJSON
import MantaKit
import MantaMarket

/// The nemweb connector's configuration (schema and defaults in
/// ../manifest.json).
struct NemwebConfig: Decodable {
    /// An http(s) URL of a report listing, or a folder.
    var source: String
    /// Regions to publish; empty for all.
    var regions: [Region]
    var filePrefix: String
    var pollIntervalMs: Int64
    var catchUpFiles: Int
    var keepIntervals: Int
    var timeoutMs: Int

    enum CodingKeys: String, CodingKey {
        case source, regions
        case filePrefix = "file_prefix", pollIntervalMs = "poll_interval_ms", catchUpFiles = "catch_up_files"
        case keepIntervals = "keep_intervals", timeoutMs = "timeout_ms"
    }

    init(_ json: JSON) throws(PluginError) {
        self = try PluginConfig.decode(NemwebConfig.self, from: json)
        guard !source.isEmpty else { throw .config("source: a URL or a folder is required") }
    }
}
