/// How an interval was decided: by its strategy with what it needs (ok), by
/// its strategy without the interval's price, any member or any member's
/// state of charge (degraded), or held because the strategy was late,
/// failed or unavailable (fallback).
public enum DecisionStatus: Sendable, CaseIterable {
    case ok
    case degraded
    case fallback

    /// The name in the store and the API.
    public var name: String {
        switch self {
        case .ok: return "ok"
        case .degraded: return "degraded"
        case .fallback: return "fallback"
        }
    }
}
