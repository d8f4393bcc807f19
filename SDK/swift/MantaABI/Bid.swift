import MantaSDK

/// A bid or offer (manta_bid_t).
public struct Bid: Sendable, Equatable {
    /// Host-assigned, unique.
    public var bidID: UInt64
    /// MANTA_SERVICE_*.
    public var service: Int32
    public var region: String
    public var intervalEndMs: Int64
    /// + offer to discharge/generate, - bid to charge/consume, MW.
    public var quantityMW: Double
    /// Limit price, AUD/MWh.
    public var price: Double

    public init(bidID: UInt64, service: Int32 = MANTA_SERVICE_ENERGY, region: String, intervalEndMs: Int64,
                quantityMW: Double, price: Double) {
        self.bidID = bidID
        self.service = service
        self.region = region
        self.intervalEndMs = intervalEndMs
        self.quantityMW = quantityMW
        self.price = price
    }

    /// Reads the host's bid (the region copied).
    public init(_ c: manta_bid_t) {
        self.init(bidID: c.bid_id, service: c.service, region: String(manta: c.region), intervalEndMs: c.interval_end_ms,
                  quantityMW: c.quantity_mw, price: c.price)
    }

    /// Lends the bid as a C struct (this side's struct_size) for `body`.
    public func withC<R>(_ body: (UnsafeMutablePointer<manta_bid_t>) -> R) -> R {
        region.withManta { r in
            var b = manta_bid_t(
                struct_size: ABIGrowth.size(of: manta_bid_t.self), service: service, bid_id: bidID, region: r,
                interval_end_ms: intervalEndMs, quantity_mw: quantityMW, price: price)
            return body(&b)
        }
    }
}

/// A bid's fate (MANTA_BID_*).
public enum BidStatus: Int32, Sendable, CaseIterable {
    /// Lodged; clearing not yet known.
    case accepted = 1
    /// Cleared at the clearing price for the cleared quantity.
    case cleared = 2
    /// The price did not reach the limit.
    case notCleared = 3
    /// Refused: see the message.
    case rejected = 4

    /// A connector's code; one this side does not know is `.rejected`.
    public init(code: Int32) { self = BidStatus(rawValue: code) ?? .rejected }

    /// The name at the JSON edge.
    public var name: String {
        switch self {
        case .accepted: return "accepted"
        case .cleared: return "cleared"
        case .notCleared: return "not_cleared"
        case .rejected: return "rejected"
        }
    }
}

/// A connector's answer to a bid (manta_bid_result_t).
public struct BidOutcome: Sendable, Equatable {
    public var status: BidStatus
    public var clearedMW: Double
    public var clearingPrice: Double
    public var message: String

    public init(_ status: BidStatus, clearedMW: Double = 0, clearingPrice: Double = .nan, _ message: String = "") {
        self.status = status
        self.clearedMW = clearedMW
        self.clearingPrice = clearingPrice
        self.message = message
    }

    /// Reads what a connector filled in.
    public init(_ c: manta_bid_result_t) {
        self.init(BidStatus(code: c.status), clearedMW: c.cleared_mw, clearingPrice: c.clearing_price,
                  ABIMessage.read(c.message))
    }

    /// The C struct (struct_size 0: the owner's stays when written with
    /// ABIGrowth.write).
    public var c: manta_bid_result_t {
        var c = manta_bid_result_t()
        c.status = status.rawValue
        c.cleared_mw = clearedMW
        c.clearing_price = clearingPrice
        ABIMessage.copy(message, into: &c.message)
        return c
    }
}
