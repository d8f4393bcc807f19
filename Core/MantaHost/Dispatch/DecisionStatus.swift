/// How an interval was decided: by its strategy, or held because the
/// strategy was late, failed or unavailable.
public enum DecisionStatus: Sendable, CaseIterable {
    case ok
    case fallback

    /// The name in the store and the API.
    public var name: String {
        switch self {
        case .ok: return "ok"
        case .fallback: return "fallback"
        }
    }
}
