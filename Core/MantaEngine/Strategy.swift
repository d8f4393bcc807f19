import MantaABI

/// A trading strategy as the engine runs it: a built-in one, or a plugin
/// behind an adapter. Called on one thread, one interval at a time.
public protocol Strategy: AnyObject {
    /// Shown in reports, e.g. "threshold" or "manta.threshold (libmanta_threshold.so)".
    var name: String { get }

    /// Decides the interval in `observation`: a target power per asset in
    /// `targets` (pre-filled with 0, + = discharge, W). Returns a short
    /// reason, or throws: the interval then holds, as it would live.
    func decide(_ observation: Observation, targets: inout [Double]) throws -> String?
}
