import MantaJSON
import MantaKit

/// The DriverPlugin requirements, answered by a driver's core: what the
/// sunspec and modbus drivers add is only how a device's profile is made.
public protocol ModbusDriverPlugin: DriverPlugin {
    var core: ModbusDriverCore { get }
}

extension ModbusDriverPlugin {
    public var deviceCount: Int { core.links.count }
    public func device(at index: Int) -> DeviceInfo { core.links[index].info() }
    public func apply(_ setpoint: Setpoint) -> SetpointOutcome { core.apply(setpoint) }
    public func start() throws(PluginError) { core.start() }
    public func stop() { core.stop() }
}
