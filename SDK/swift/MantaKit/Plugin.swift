import MantaABI
import MantaJSON

/// A plugin instance written in Swift. Every requirement is called on the
/// instance's worker thread ([worker]), one call at a time.
public protocol Plugin: AnyObject, SendableMetatype {
    /// Create the instance from its configuration, which the host has
    /// validated against the manifest's schema and filled with defaults.
    /// Throw `.config("field: why")` for anything the schema cannot express.
    init(host: PluginHost, config: JSON) throws(PluginError)

    /// Begin work. Request the first callback here if you need one.
    func start() throws(PluginError)

    /// Stop work; make no host calls for this instance after returning.
    func stop()

    /// The callback asked for with `PluginHost.requestCallback(afterMs:)`.
    func onCallback()
}

extension Plugin {
    public func start() throws(PluginError) {}
    public func stop() {}
    public func onCallback() {}
}

/// A device driver ("manta.driver/1").
public protocol DriverPlugin: Plugin {
    /// Devices served; indices 0 ..< deviceCount. Valid after init.
    var deviceCount: Int { get }
    func device(at index: Int) -> DeviceInfo
    /// Apply a setpoint (only while started) and say what happened.
    func apply(_ setpoint: Setpoint) -> SetpointOutcome
    /// Apply a batch in order (only while started): one outcome per
    /// setpoint, at the same index. Exported as apply_setpoints (ABI 1.1);
    /// the default applies them one at a time. A driver that can do better
    /// for a whole fleet (one advance of its clock, one message per
    /// gateway) implements it.
    func apply(_ setpoints: [Setpoint]) -> [SetpointOutcome]
}

extension DriverPlugin {
    public func apply(_ setpoints: [Setpoint]) -> [SetpointOutcome] { setpoints.map { apply($0) } }
}

/// A trading strategy ("manta.strategy/1").
public protocol StrategyPlugin: Plugin {
    /// Decide one interval: write a target power per asset into `targets`
    /// (pre-filled with 0, + = discharge). Return an optional short reason.
    func decide(_ observation: Observation, targets: inout [Double]) throws(PluginError) -> String?

    /// Enable FCAS for the interval just decided (ABI 1.2): MW per asset per
    /// service into `fcasMW` (Price.fcasCount per asset, asset by asset,
    /// pre-filled with 0), given the targets `decide` chose and the prices
    /// in `observation.fcas`. Called only when the host offers FCAS; the
    /// default enables nothing.
    func enable(_ observation: Observation, targets: [Double], fcasMW: inout [Double]) throws(PluginError)
}

extension StrategyPlugin {
    public func enable(_ observation: Observation, targets: [Double], fcasMW: inout [Double]) throws(PluginError) {}
}

/// A market connector ("manta.market/1").
public protocol MarketPlugin: Plugin {
    /// Hand the prices of `region` for interval ends in (fromMs, toMs] to
    /// `deliver`, oldest first, in one or more batches.
    func fetchPrices(region: String, fromMs: Int64, toMs: Int64, deliver: ([Price]) -> Bool) throws(PluginError)
    func submitBid(_ bid: Bid) -> BidOutcome
}
