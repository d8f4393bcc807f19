import MantaSDK

/// The three plugin kinds, by manifest name and SDK code.
public enum PluginKind: String, Sendable, CaseIterable {
    case driver, strategy, market

    public var code: Int32 {
        switch self {
        case .driver: return MANTA_KIND_DRIVER
        case .strategy: return MANTA_KIND_STRATEGY
        case .market: return MANTA_KIND_MARKET
        }
    }

    public init?(code: Int32) {
        guard let k = PluginKind.allCases.first(where: { $0.code == code }) else { return nil }
        self = k
    }

    /// The extension id a module of this kind must provide.
    public var extensionID: String {
        switch self {
        case .driver: return MANTA_DRIVER_ID
        case .strategy: return MANTA_STRATEGY_ID
        case .market: return MANTA_MARKET_ID
        }
    }
}
