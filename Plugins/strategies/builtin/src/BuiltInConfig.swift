import MantaJSON
import MantaKit

/// The built-in plugin's configuration (schema and defaults in
/// ../manifest.json): which engine strategy, and its own settings.
struct BuiltInConfig: Decodable {
    /// One of BuiltInStrategies.names.
    var strategy: String
    /// The strategy's settings, read by the engine (docs/STRATEGIES.md).
    var config: JSON

    enum CodingKeys: String, CodingKey { case strategy, config }

    init(_ json: JSON) throws(PluginError) {
        self = try PluginConfig.decode(BuiltInConfig.self, from: json)
    }
}
