/// The five NEM regions.
public enum Region: String, Sendable, CaseIterable, Codable {
    case nsw1 = "NSW1"
    case qld1 = "QLD1"
    case sa1 = "SA1"
    case tas1 = "TAS1"
    case vic1 = "VIC1"

    public var code: String { rawValue }

    /// Accepts "VIC1" or "vic1".
    public init?(code: String) {
        guard let r = Region(rawValue: code.uppercased()) else { return nil }
        self = r
    }
}
