import Glibc
import MantaSDK

/// One interval's price (manta_price_t).
public struct Price: Sendable, Equatable {
    public var intervalEndMs: Int64
    public var region: String
    public var rrp: Double
    public var demandMW: Double
    public var firm: Bool

    public init(intervalEndMs: Int64, region: String, rrp: Double, demandMW: Double = .nan, firm: Bool = true) {
        self.intervalEndMs = intervalEndMs
        self.region = region
        self.rrp = rrp
        self.demandMW = demandMW
        self.firm = firm
    }

    /// Lends `prices` as a C array for the duration of `body`.
    static func withC<R>(_ prices: [Price], _ body: (UnsafePointer<manta_price_t>?, UInt32, UInt32) -> R) -> R {
        // Regions repeat: keep one C copy of each for the call.
        var regions: [String: UnsafeMutablePointer<CChar>] = [:]
        defer { regions.values.forEach { free($0) } }
        let c = prices.map { p -> manta_price_t in
            let s = regions[p.region] ?? strdup(p.region)!
            regions[p.region] = s
            return manta_price_t(
                struct_size: ABIGrowth.size(of: manta_price_t.self),
                status: p.firm ? MANTA_PRICE_FIRM : MANTA_PRICE_FORECAST, interval_end_ms: p.intervalEndMs,
                region: manta_str_t(ptr: s, len: UInt64(p.region.utf8.count)), rrp: p.rrp, demand_mw: p.demandMW)
        }
        return c.withUnsafeBufferPointer {
            body($0.baseAddress, UInt32($0.count), UInt32(MemoryLayout<manta_price_t>.stride))
        }
    }
}

/// A bid or offer (manta_bid_t).
public struct Bid: Sendable {
    public var bidID: UInt64
    public var service: Int32
    public var region: String
    public var intervalEndMs: Int64
    /// + offer to discharge/generate, - bid to charge/consume, MW.
    public var quantityMW: Double
    public var price: Double
}

/// A bid's fate (manta_bid_result_t).
public struct BidOutcome: Sendable {
    public var status: Int32  // MANTA_BID_*
    public var clearedMW: Double
    public var clearingPrice: Double
    public var message: String

    public init(_ status: Int32, clearedMW: Double = 0, clearingPrice: Double = .nan, _ message: String = "") {
        self.status = status
        self.clearedMW = clearedMW
        self.clearingPrice = clearingPrice
        self.message = message
    }
}
