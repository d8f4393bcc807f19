import MantaABI
import MantaSDK

/// Calls into "manta.market/1". Run on the instance's worker only.
enum MarketCalls {
    static func table(_ m: LoadedModule) -> manta_market_t {
        m.kindTable.assumingMemoryBound(to: manta_market_t.self).pointee
    }

    /// Prices of `region` with interval ends in (from, to].
    static func fetch(_ m: LoadedModule, _ h: OpaquePointer, region: String, fromMs: Int64, toMs: Int64)
        -> Result<[Price], PluginCallError>
    {
        final class Sink {
            var prices: [Price] = []
            var malformed = false
        }
        let sink = Sink()
        let ctx = Unmanaged.passUnretained(sink).toOpaque()
        let rc = region.withManta { r in
            table(m).fetch_prices(h, r, fromMs, toMs, { ctx, base, count, stride in
                let sink = Unmanaged<Sink>.fromOpaque(ctx!).takeUnretainedValue()
                guard let records = Price.read(base, count: count, stride: stride) else {
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

    static func submit(_ m: LoadedModule, _ h: OpaquePointer, _ bid: Bid) -> Result<BidOutcome, PluginCallError> {
        var out = manta_bid_result_t()
        out.struct_size = ABIGrowth.size(of: manta_bid_result_t.self)
        let rc = bid.withC { table(m).submit_bid(h, $0, &out) }
        guard rc == MANTA_OK else { return .failure(PluginCallError("submit_bid returned \(StatusCode.name(rc))")) }
        return .success(BidOutcome(out))
    }
}
