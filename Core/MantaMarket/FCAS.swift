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

    /// The service's name as AEMO writes it and as Manta's API, reports and
    /// JSON keys use it: "RAISE6SEC" (the price column without "RRP").
    public var name: String { String(column.dropLast(3)) }

    /// The service named `name` ("RAISE6SEC", any case), or nil.
    public init?(name: String) {
        guard let s = FCASService.allCases.first(where: { $0.name == name.uppercased() }) else { return nil }
        self = s
    }

    /// Raise services add power to the grid (discharge more, charge less);
    /// lower services take it away.
    public var isRaise: Bool { rawValue < FCASService.lower1Sec.rawValue }

    /// Regulation follows AEMO's AGC signal; the others answer contingencies.
    public var isRegulation: Bool { self == .raiseReg || self == .lowerReg }

    /// The regulation service on the same side (raise or lower).
    public var regulation: FCASService { isRaise ? .raiseReg : .lowerReg }

    /// How long an enablement must be sustainable, hours: the 1 s and 6 s
    /// services for 60 s, 60 s for 5 minutes, 5 min for 10 minutes, and
    /// regulation a whole dispatch interval (its net energy over one is
    /// taken as the worst case, not the AGC signal's mean).
    public var sustainHours: Double {
        switch self {
        case .raise1Sec, .raise6Sec, .lower1Sec, .lower6Sec: return 1.0 / 60
        case .raise60Sec, .lower60Sec, .raiseReg, .lowerReg: return 5.0 / 60
        case .raise5Min, .lower5Min: return 10.0 / 60
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

    /// The prices in FCASService order (the ABI's MANTA_FCAS_* order, NaN
    /// where not priced); empty when no service is.
    public var values: [Double] { isEmpty ? [] : FCASService.allCases.map { self[$0] } }

    /// The prices from `values` in FCASService order (missing ones not priced).
    public init(values: [Double]) {
        for (s, v) in zip(FCASService.allCases, values) { self[s] = v }
    }

    /// True when no service has a price. (Read in place: this runs once per
    /// row of every price file.)
    public var isEmpty: Bool {
        withUnsafeBytes(of: prices) { raw in
            for k in 0..<10 where !raw.load(fromByteOffset: k * 8, as: Double.self).isNaN { return false }
            return true
        }
    }

    public static func == (a: FCASPrices, b: FCASPrices) -> Bool {
        FCASService.allCases.allSatisfy { a[$0] == b[$0] || (a[$0].isNaN && b[$0].isNaN) }
    }
}

extension FCASService {
    /// What an enablement earns: MW x price (AUD/MW/h) x hours, one
    /// 5-minute dispatch interval (5/60 h) unless told otherwise. It is paid
    /// for availability, whether or not the frequency calls on it.
    public static func availabilityRevenue(mw: Double, price: Double, hours: Double = 5.0 / 60) -> Double {
        mw * price * hours
    }
}
