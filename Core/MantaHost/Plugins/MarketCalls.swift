import MantaKit
import MantaSDK

/// A bid as the host lodges it.
public struct BidRequest: Sendable {
    public var bidID: UInt64
    public var region: String
    public var intervalEndMs: Int64
    public var quantityMW: Double
    public var price: Double
}

/// A connector's answer to a bid.
public struct BidResult: Sendable, Equatable {
    /// "accepted", "cleared", "not_cleared" or "rejected".
    public var status: String
    public var clearedMW: Double
    public var clearingPrice: Double
    public var message: String
}

/// Calls into "manta.market/1". Run on the instance's worker only.
enum MarketCalls {
    static func table(_ m: LoadedModule) -> manta_market_t {
        m.kindTable.assumingMemoryBound(to: manta_market_t.self).pointee
    }

    /// Prices of `region` with interval ends in (from, to].
    static func fetch(_ m: LoadedModule, _ h: OpaquePointer, region: String, fromMs: Int64, toMs: Int64)
        -> Result<[PriceRecord], PluginCallError>
    {
        final class Sink {
            var prices: [PriceRecord] = []
            var malformed = false
        }
        let sink = Sink()
        let ctx = Unmanaged.passUnretained(sink).toOpaque()
        let rc = region.withManta { r in
            table(m).fetch_prices(h, r, fromMs, toMs, { ctx, base, count, stride in
                let sink = Unmanaged<Sink>.fromOpaque(ctx!).takeUnretainedValue()
                guard let records = PriceRecord.read(base, count: count, stride: stride) else {
                    sink.malformed = true
                    return MANTA_ERR_INVALID
                }
                sink.prices += records
                return MANTA_OK
            }, ctx)
        }
        if sink.malformed {
            return .failure(PluginCallError("fetch_prices delivered a malformed batch (stride or struct_size below ABI 1.0's)"))
        }
        guard rc == MANTA_OK else { return .failure(PluginCallError("fetch_prices returned \(StatusCode.name(rc))")) }
        return .success(sink.prices)
    }

    static func submit(_ m: LoadedModule, _ h: OpaquePointer, _ bid: BidRequest) -> Result<BidResult, PluginCallError> {
        var out = manta_bid_result_t()
        out.struct_size = ABIGrowth.size(of: manta_bid_result_t.self)
        let rc = bid.region.withManta { r in
            var b = manta_bid_t(
                struct_size: ABIGrowth.size(of: manta_bid_t.self), service: MANTA_SERVICE_ENERGY, bid_id: bid.bidID,
                region: r, interval_end_ms: bid.intervalEndMs, quantity_mw: bid.quantityMW, price: bid.price)
            return table(m).submit_bid(h, &b, &out)
        }
        guard rc == MANTA_OK else { return .failure(PluginCallError("submit_bid returned \(StatusCode.name(rc))")) }
        let status: String
        switch out.status {
        case MANTA_BID_ACCEPTED: status = "accepted"
        case MANTA_BID_CLEARED: status = "cleared"
        case MANTA_BID_NOT_CLEARED: status = "not_cleared"
        default: status = "rejected"
        }
        let message = withUnsafeBytes(of: out.message) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
        return .success(BidResult(status: status, clearedMW: out.cleared_mw, clearingPrice: out.clearing_price, message: message))
    }
}

extension PriceRecord {
    /// Copies `count` prices a plugin handed over, stepping by `stride`
    /// bytes and reading each as rule 3 says (at least its 1.0 size, no
    /// further than its struct_size). nil when a stride or a struct_size is
    /// below ABI 1.0's.
    static func read(_ base: UnsafePointer<manta_price_t>?, count: UInt32, stride: UInt32) -> [PriceRecord]? {
        guard count > 0 else { return [] }
        guard let base, Int(stride) >= ABIGrowth.Size10.price else { return nil }
        let raw = UnsafeRawPointer(base)
        var out: [PriceRecord] = []
        out.reserveCapacity(Int(count))
        for i in 0..<Int(count) {
            guard let p = ABIGrowth.read(raw + i * Int(stride), as: manta_price_t.self, minimum: ABIGrowth.Size10.price)
            else { return nil }
            out.append(PriceRecord(intervalEndMs: p.interval_end_ms, region: String(manta: p.region), rrp: p.rrp,
                                   demandMW: p.demand_mw, firm: p.status != MANTA_PRICE_FORECAST))
        }
        return out
    }
}
