/// How far a sample can be trusted. Raw values are the SDK's
/// MANTA_QUALITY_* codes and what the store keeps.
public enum Quality: Int32, Sendable, CaseIterable, Comparable {
    /// Measured by the device.
    case good = 0
    /// Derived or modelled rather than measured.
    case estimated = 1
    /// An old reading repeated, or too old to act on.
    case stale = 2
    /// Not usable (not finite, or outside the point's physical range); kept
    /// for the record only.
    case invalid = 3

    public var name: String {
        switch self {
        case .good: return "good"
        case .estimated: return "estimated"
        case .stale: return "stale"
        case .invalid: return "invalid"
        }
    }

    public static func < (a: Quality, b: Quality) -> Bool { a.rawValue < b.rawValue }
}
