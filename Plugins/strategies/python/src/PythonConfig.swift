import MantaJSON
import MantaKit

/// The Python bridge's configuration (schema and defaults in
/// ../manifest.json).
struct PythonConfig: Decodable {
    enum Role: String, Decodable, CaseIterable {
        /// The model answers `decide` with a target per asset.
        case strategy
        /// The model answers `forecast`; the engine's MPC plans on it.
        case forecaster
    }

    var script: String
    var python: String
    var args: [String]
    var role: Role
    /// Handed to the model in `initialize`.
    var modelConfig: JSON
    var deadlineMs: Int
    var hungAfterMs: Int
    var initTimeoutMs: Int
    var maxStarts: Int
    var historyIntervals: Int
    /// The MPC's settings in the forecaster role (read by the engine).
    var mpc: JSON

    enum CodingKeys: String, CodingKey {
        case script, python, args, role, mpc
        case modelConfig = "model_config", deadlineMs = "deadline_ms", hungAfterMs = "hung_after_ms"
        case initTimeoutMs = "init_timeout_ms", maxStarts = "max_starts", historyIntervals = "history_intervals"
    }

    init(_ json: JSON) throws(PluginError) {
        self = try PluginConfig.decode(PythonConfig.self, from: json)
    }
}
