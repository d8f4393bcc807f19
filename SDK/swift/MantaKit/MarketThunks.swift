import MantaABI
import MantaSDK

/// The "manta.market/1" table for a MarketPlugin.
enum MarketThunks {
    nonisolated(unsafe) static let table: UnsafeMutablePointer<manta_market_t> = {
        let t = UnsafeMutablePointer<manta_market_t>.allocate(capacity: 1)
        t.initialize(to: manta_market_t(
            struct_size: ABIGrowth.size(of: manta_market_t.self), reserved0: 0,
            fetch_prices: fetchPrices, submit_bid: submitBid))
        return t
    }()

    static let fetchPrices: @convention(c) (
        OpaquePointer?, manta_str_t, Int64, Int64, manta_price_sink_fn?, UnsafeMutableRawPointer?
    ) -> Int32 = { handle, region, from, to, sink, ctx in
        guard let sink else { return MANTA_ERR_INVALID }
        let box = InstanceBox.from(handle)
        let market = box.plugin as! MarketPlugin
        var sinkStatus = MANTA_OK
        let status = box.reporting { () throws(PluginError) in
            try market.fetchPrices(region: String(manta: region), fromMs: from, toMs: to) { prices in
                sinkStatus = Price.withC(prices) { base, count, stride in sink(ctx, base, count, stride) }
                return sinkStatus == MANTA_OK
            }
        }
        return status != MANTA_OK ? status : sinkStatus
    }

    static let submitBid: @convention(c) (
        OpaquePointer?, UnsafePointer<manta_bid_t>?, UnsafeMutablePointer<manta_bid_result_t>?
    ) -> Int32 = { handle, bid, out in
        guard let bid, let out, Int(out.pointee.struct_size) >= ABIGrowth.Size10.bidResult,
              let b = ABIGrowth.read(bid, as: manta_bid_t.self, minimum: ABIGrowth.Size10.bid)
        else { return MANTA_ERR_INVALID }
        let market = InstanceBox.from(handle).plugin as! MarketPlugin
        ABIGrowth.write(market.submitBid(Bid(b)).c, to: out)  // up to the host's struct_size
        return MANTA_OK
    }
}
