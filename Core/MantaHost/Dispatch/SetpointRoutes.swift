import MantaABI

/// Whatever takes a driver's setpoints: a plugin instance on this host (in
/// process or in its runner), or, on a control host, an edge host's driver
/// reached through the broker (EdgeDriver).
protocol SetpointTarget: AnyObject, Sendable {
    /// Whether setpoints can be handed over now (started; edge online).
    @LoopActor var takesSetpoints: Bool { get }
    /// Applies `setpoints` (device = the index within the driver) in one
    /// batch; `done` gets an outcome per setpoint, in order, or nil when the
    /// driver could not be asked. `handed` is marked when the batch leaves.
    @LoopActor func applySetpoints(_ setpoints: [Setpoint], handed: HandOffStamp?,
                                   done: @escaping @LoopActor @Sendable ([SetpointOutcome]?) -> Void)
}

extension PluginInstance: SetpointTarget {
    @LoopActor var takesSetpoints: Bool { state == .started }
}

/// Finds the target of a driver instance's setpoints by its name: the
/// plugin table first, then the drivers edge hosts serve (control role).
@LoopActor
final class SetpointRoutes {
    private let plugins: PluginTable
    private var remote: [String: any SetpointTarget] = [:]

    init(plugins: PluginTable) { self.plugins = plugins }

    /// The driver named `name`, if it takes setpoints now.
    func target(named name: String) -> (any SetpointTarget)? {
        let t: (any SetpointTarget)? = plugins.instance(named: name) ?? remote[name]
        return t.flatMap { $0.takesSetpoints ? $0 : nil }
    }

    /// Routes `name`'s setpoints to `target` (an edge's driver).
    func add(_ name: String, _ target: any SetpointTarget) { remote[name] = target }
}
