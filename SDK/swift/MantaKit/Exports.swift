// Plugin code sees the ABI's Swift types (Price, DeviceInfo, Setpoint,
// Observation, ...) through the kit, as it always has.
@_exported import MantaABI
