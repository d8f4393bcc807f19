/// The five NEM regions.
public enum Region: String, Sendable, CaseIterable, Codable {
    case nsw1 = "NSW1"
    case qld1 = "QLD1"
    case sa1 = "SA1"
    case tas1 = "TAS1"
    case vic1 = "VIC1"

    public var code: String { rawValue }

    /// Its place in `allCases`, for tables indexed by region.
    public var index: Int {
        switch self {
        case .nsw1: return 0
        case .qld1: return 1
        case .sa1: return 2
        case .tas1: return 3
        case .vic1: return 4
        }
    }

    /// Accepts "VIC1" or "vic1".
    public init?(code: String) {
        guard let r = Region(rawValue: code.uppercased()) else { return nil }
        self = r
    }
}
