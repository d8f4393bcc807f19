/// One measurement in the host: the SDK's manta_sample_t after the host has
/// mapped the driver-local device index to a fleet-wide device number.
public struct Sample: Sendable, Equatable {
    /// Fleet-wide device number (DeviceRegistry).
    public var device: UInt32
    /// Catalog point id.
    public var point: UInt32
    /// Measurement time, host clock, ms since the Unix epoch (UTC).
    public var timeMs: Int64
    /// The value in the point's unit; NaN when invalid and not finite.
    public var value: Double
    public var quality: Quality

    public init(device: UInt32, point: UInt32, timeMs: Int64, value: Double, quality: Quality) {
        self.device = device
        self.point = point
        self.timeMs = timeMs
        self.value = value
        self.quality = quality
    }
}
