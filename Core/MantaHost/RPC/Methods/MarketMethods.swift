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
            RPCMethod("market.prices", "Prices by interval end. From what the host has received, or with fetch: true from the region's market connector.",
                      params: Schemas.params([("region", regions), ("from", Schemas.time), ("to", Schemas.time),
                                              ("limit", Schemas.limit), ("fetch", ["type": "boolean", "default": false])],
                                             required: ["region"]),
                      result: Schemas.objectList,
                      .async { p, _, respond in
                          let region = p.string("region") ?? "", limit = p.int("limit", 100)
                          let from: Int64, to: Int64
                          do throws(RPCError) {
                              from = try p.time("from") ?? Int64.min
                              to = try p.time("to") ?? clock.nowMs()
                          } catch { return respond(.failure(error)) }
                          guard p.bool("fetch") else {
                              return respond(.success(.array(book.range(region: region, fromMs: from, toMs: to, limit: limit).map(priceJSON))))
                          }
                          guard let market = vpps.marketInstance(region: region, plugins: plugins) else {
                              return respond(.failure(.unavailable("no running market connector serves \(region)")))
                          }
                          let module = market.module
                          market.perform({ h in MarketCalls.fetch(module, h, region: region, fromMs: from, toMs: to) }) { result in
                              switch result {
                              case .success(let prices)?: respond(.success(.array(prices.suffix(limit).map(priceJSON))))
                              case .failure(let e)?: respond(.failure(.unavailable("\(market.name): \(e.message)")))
                              case nil: respond(.failure(.unavailable("\(market.name) cannot take calls (\(market.state.rawValue))")))
                              }
                          }
                      }),

            RPCMethod("market.bid", "Lodges a single-band energy bid or offer with the region's market connector.",
                      params: Schemas.params([
                          ("region", regions), ("interval_end", Schemas.time),
                          ("quantity_mw", ["type": "number", "description": "+ offer to discharge, - bid to charge"]),
                          ("price", ["type": "number", "minimum": .number(MarketLimits.floor), "description": "limit price, AUD/MWh"]),
                      ], required: ["region", "interval_end", "quantity_mw", "price"]),
                      result: Schemas.object, mutating: true,
                      .async { p, _, respond in
                          let region = p.string("region") ?? ""
                          let end: Int64
                          do throws(RPCError) {
                              guard let t = try p.time("interval_end") else { throw .invalidParams("interval_end: required") }
                              end = t
                          } catch { return respond(.failure(error)) }
                          guard end % MarketTime.intervalMs == 0 else {
                              return respond(.failure(.invalidParams("interval_end: not on the 5-minute grid")))
                          }
                          guard let market = vpps.marketInstance(region: region, plugins: plugins) else {
                              return respond(.failure(.unavailable("no running market connector serves \(region)")))
                          }
                          let bid = Bid(bidID: ids.nextBid(), region: region, intervalEndMs: end,
                                         quantityMW: p.number("quantity_mw") ?? 0, price: p.number("price") ?? 0)
                          let module = market.module
                          market.perform({ h in MarketCalls.submit(module, h, bid) }) { result in
                              switch result {
                              case .success(let r)?:
                                  respond(.success(["bid_id": .int(Int64(bid.bidID)), "status": .string(r.status.name),
                                                    "cleared_mw": .number(r.clearedMW),
                                                    "clearing_price": .number(r.clearingPrice), "message": .string(r.message)]))
                              case .failure(let e)?: respond(.failure(.unavailable("\(market.name): \(e.message)")))
                              case nil: respond(.failure(.unavailable("\(market.name) cannot take calls")))
                              }
                          }
                      }),
        ]
    }
}

func priceJSON(_ p: Price) -> JSON {
    .object(JSONObject([("region", .string(p.region))] + timeFields("interval_end", p.intervalEndMs) + [
        ("rrp", .number(p.rrp)), ("demand_mw", .number(p.demandMW)), ("firm", .bool(p.firm)),
    ]))
}
