/// The ten NEM frequency control ancillary service (FCAS) markets: raise and
/// lower, each as very fast (1 s, since 9 October 2023), fast (6 s), slow
/// (60 s), delayed (5 min) contingency services, and regulation.
public enum FCASService: Int, Sendable, CaseIterable {
    case raise1Sec, raise6Sec, raise60Sec, raise5Min, raiseReg
    case lower1Sec, lower6Sec, lower60Sec, lower5Min, lowerReg

    /// The price column in AEMO's DISPATCHPRICE tables, e.g. "RAISE6SECRRP".
    public var column: String {
        switch self {
        case .raise1Sec: return "RAISE1SECRRP"
        case .raise6Sec: return "RAISE6SECRRP"
        case .raise60Sec: return "RAISE60SECRRP"
        case .raise5Min: return "RAISE5MINRRP"
        case .raiseReg: return "RAISEREGRRP"
        case .lower1Sec: return "LOWER1SECRRP"
        case .lower6Sec: return "LOWER6SECRRP"
        case .lower60Sec: return "LOWER60SECRRP"
        case .lower5Min: return "LOWER5MINRRP"
        case .lowerReg: return "LOWERREGRRP"
        }
    }

    /// The name Manta's API and reports use, e.g. "raise_6s".
    public var name: String {
        switch self {
        case .raise1Sec: return "raise_1s"
        case .raise6Sec: return "raise_6s"
        case .raise60Sec: return "raise_60s"
        case .raise5Min: return "raise_5min"
        case .raiseReg: return "raise_reg"
        case .lower1Sec: return "lower_1s"
        case .lower6Sec: return "lower_6s"
        case .lower60Sec: return "lower_60s"
        case .lower5Min: return "lower_5min"
        case .lowerReg: return "lower_reg"
        }
    }
}

/// One interval's FCAS prices, AUD/MW/h of enablement; NaN where a file
/// does not carry that market (older files have no 1-second services).
public struct FCASPrices: Sendable, Equatable {
    private var prices: (Double, Double, Double, Double, Double, Double, Double, Double, Double, Double) =
        (.nan, .nan, .nan, .nan, .nan, .nan, .nan, .nan, .nan, .nan)

    public init() {}

    public subscript(service: FCASService) -> Double {
        get { withUnsafeBytes(of: prices) { $0.load(fromByteOffset: service.rawValue * 8, as: Double.self) } }
        set { withUnsafeMutableBytes(of: &prices) { $0.storeBytes(of: newValue, toByteOffset: service.rawValue * 8, as: Double.self) } }
    }

    /// True when no service has a price.
    public var isEmpty: Bool { FCASService.allCases.allSatisfy { self[$0].isNaN } }

    public static func == (a: FCASPrices, b: FCASPrices) -> Bool {
        FCASService.allCases.allSatisfy { a[$0] == b[$0] || (a[$0].isNaN && b[$0].isNaN) }
    }
}
