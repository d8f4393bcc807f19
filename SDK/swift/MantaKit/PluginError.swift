import MantaSDK

/// A failure a plugin reports to the host. Throwing one from any kit
/// callback reports it (manta_host_t.report_error) and returns `code`.
public struct PluginError: Error, Sendable, CustomStringConvertible {
    /// A MANTA_ERR_* status code.
    public let code: Int32
    public let message: String

    public init(_ code: Int32, _ message: String) {
        self.code = code
        self.message = message
    }

    /// Configuration rejected; name the field in the message.
    public static func config(_ message: String) -> PluginError { PluginError(MANTA_ERR_CONFIG, message) }
    /// Bad input from the host or a device.
    public static func invalid(_ message: String) -> PluginError { PluginError(MANTA_ERR_INVALID, message) }
    /// A device, file or network failed.
    public static func io(_ message: String) -> PluginError { PluginError(MANTA_ERR_IO, message) }

    public var description: String { message }
}
