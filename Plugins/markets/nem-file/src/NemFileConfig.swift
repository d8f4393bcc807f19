import MantaJSON
import MantaKit
import MantaMarket

/// The nem-file connector's configuration (schema and defaults in
/// ../manifest.json).
struct NemFileConfig: Decodable {
    var region: Region
    /// PRICE_AND_DEMAND files, or folders of them.
    var files: [String]
    /// Intervals of history published at start, before the replay.
    var historyIntervals: Int

    enum CodingKeys: String, CodingKey {
        case region, files
        case historyIntervals = "history_intervals"
    }

    init(_ json: JSON) throws(PluginError) {
        self = try PluginConfig.decode(NemFileConfig.self, from: json)
        guard !files.isEmpty else { throw .config("files: give at least one PRICE_AND_DEMAND file or folder") }
    }
}
