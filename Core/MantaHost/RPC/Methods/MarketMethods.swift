import MantaABI
import MantaIO
import MantaJSON
import MantaMarket

/// market.prices, market.bid.
@LoopActor
struct MarketMethods {
    let prices: PriceBook
    let vpps: VPPSet
    let plugins: PluginTable
    let ids: DispatchIDs
    let clock: HostClock

    var methods: [RPCMethod] {
        let book = self.prices, vpps = self.vpps, plugins = self.plugins, ids = self.ids, clock = self.clock
        let regions: JSON = ["enum": .array(Region.allCases.map { .string($0.code) })]
        return [
            .async("market.prices", "Prices by interval end. From what the host has received, or with fetch: true from the region's market connector.",
                      params: Schemas.params([("region", regions), ("from", Schemas.time), ("to", Schemas.time),
                                              ("limit", Schemas.limit), ("fetch", ["type": "boolean", "default": false])],
                                             required: ["region"]),
                      result: Schemas.objectList) { (p: PricesQuery, _, respond) in
                          let region = p.region.code, limit = p.limit
                          // Never past the horizon: a replay shows no interval that has not started.
                          let from = p.from?.ms ?? Int64.min, to = min(p.to?.ms ?? clock.nowMs(), clock.priceHorizonMs())
                          guard p.fetch else {
                              return respond(.success(.array(book.range(region: region, fromMs: from, toMs: to, limit: limit).map(priceJSON))))
                          }
                          guard let market = vpps.marketInstance(region: region, plugins: plugins) else {
                              return respond(.failure(.unavailable("no running market connector serves \(region)")))
                          }
                          market.fetchPrices(region: region, fromMs: from, toMs: to) { result in
                              switch result {
                              case .success(let prices)?:
                                  // A connector is not trusted with the horizon either.
                                  let seen = prices.lazy.filter { $0.intervalEndMs > from && $0.intervalEndMs <= to }
                                  respond(.success(.array(Array(seen).suffix(limit).map(priceJSON))))
                              case .failure(let e)?: respond(.failure(.unavailable("\(market.name): \(e.message)")))
                              case nil: respond(.failure(.unavailable("\(market.name) cannot take calls (\(market.state.rawValue))")))
                              }
                          }
                      },

            .async("market.bid", "Lodges a single-band energy bid or offer with the region's market connector.",
                      params: Schemas.params([
                          ("region", regions), ("interval_end", Schemas.time),
                          ("quantity_mw", ["type": "number", "description": "+ offer to discharge, - bid to charge"]),
                          ("price", ["type": "number", "minimum": .number(MarketLimits.floor), "description": "limit price, AUD/MWh"]),
                      ], required: ["region", "interval_end", "quantity_mw", "price"]),
                      result: Schemas.object, mutating: true) { (p: BidParams, _, respond) in
                          let region = p.region.code, end = p.intervalEnd.ms
                          guard end % MarketTime.intervalMs == 0 else {
                              return respond(.failure(.invalidParams("interval_end: not on the 5-minute grid")))
                          }
                          guard let market = vpps.marketInstance(region: region, plugins: plugins) else {
                              return respond(.failure(.unavailable("no running market connector serves \(region)")))
                          }
                          let bid = Bid(bidID: ids.nextBid(), region: region, intervalEndMs: end,
                                         quantityMW: p.quantityMW, price: p.price)
                          market.submitBid(bid) { result in
                              switch result {
                              case .success(let r)?:
                                  respond(.success(["bid_id": .int(Int64(bid.bidID)), "status": .string(r.status.name),
                                                    "cleared_mw": .number(r.clearedMW),
                                                    "clearing_price": .number(r.clearingPrice), "message": .string(r.message)]))
                              case .failure(let e)?: respond(.failure(.unavailable("\(market.name): \(e.message)")))
                              case nil: respond(.failure(.unavailable("\(market.name) cannot take calls")))
                              }
                          }
                      },
        ]
    }

    struct PricesQuery: RPCParams {
        var region: Region
        var from, to: RPCTime?
        var limit: Int
        var fetch: Bool
    }

    struct BidParams: RPCParams {
        var region: Region
        var intervalEnd: RPCTime
        var quantityMW: Double
        var price: Double
        enum CodingKeys: String, CodingKey { case region, intervalEnd = "interval_end", quantityMW = "quantity_mw", price }
    }
}

/// A price as market.prices gives it: `fcas` holds the FCAS prices
/// (AUD/MW/h) the connector published, keyed by AEMO's service names, and
/// is empty where it published none.
func priceJSON(_ p: Price) -> JSON {
    let fcas = zip(FCASService.allCases, p.fcas).filter { !$0.1.isNaN }.map { ($0.0.name, JSON.number($0.1)) }
    return .object(JSONObject([("region", .string(p.region))] + timeFields("interval_end", p.intervalEndMs) + [
        ("rrp", .number(p.rrp)), ("demand_mw", .number(p.demandMW)), ("firm", .bool(p.firm)),
        ("fcas", .object(JSONObject(fcas))),
    ]))
}
