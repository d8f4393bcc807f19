import MantaKit
import MantaMarket
import MantaSDK

/// How a price-taker's bid clears against a published price: what the
/// replay (nem-file) and the NEMWeb feed (nemweb) answer to submit_bid.
///
/// A price-taker does not set the price; it is dispatched for what its bid
/// offers at the price the market set. An energy offer (+ MW) clears when
/// the RRP is at or above its limit, an energy bid (- MW) when the RRP is
/// at or below it; an FCAS offer (ABI 1.4 services, + MW of enablement)
/// clears when the service's price is at or above its limit. It clears in
/// full or not at all: one band is one limit.
public enum PriceTakerClearing {
    /// The FCAS service of a MANTA_SERVICE_* code; nil for energy or a code
    /// that is not a service.
    public static func fcasService(_ code: Int32) -> FCASService? {
        code == MANTA_SERVICE_ENERGY ? nil : FCASService(rawValue: Int(code) - Int(MANTA_SERVICE_RAISE1SEC))
    }

    /// Why `bid` cannot be traded at all, or nil.
    public static func refusal(_ bid: Bid) -> String? {
        let fcas = fcasService(bid.service)
        guard bid.service == MANTA_SERVICE_ENERGY || fcas != nil else {
            return "service \(bid.service) is not energy or one of the ten FCAS services"
        }
        guard bid.quantityMW.isFinite, bid.quantityMW != 0, bid.price.isFinite else {
            return "quantity must be non-zero and price finite"
        }
        if fcas != nil, bid.quantityMW < 0 { return "an FCAS offer's quantity is + MW of enablement" }
        return nil
    }

    /// Clears `bid` at the interval's published `point`.
    public static func clear(_ bid: Bid, at point: PricePoint) -> BidOutcome {
        if let refusal = refusal(bid) { return BidOutcome(.rejected, refusal) }
        if let service = fcasService(bid.service) {
            let price = point.fcas[service]
            guard price.isFinite else {
                return BidOutcome(.rejected, "no \(service.name) price for the interval ending \(MarketTime.format(bid.intervalEndMs))")
            }
            return price >= bid.price
                ? BidOutcome(.cleared, clearedMW: bid.quantityMW, clearingPrice: price)
                : BidOutcome(.notCleared, clearingPrice: price, "\(service.name) price \(price) did not reach the limit \(bid.price)")
        }
        let rrp = point.rrp
        let clears = bid.quantityMW > 0 ? rrp >= bid.price : rrp <= bid.price
        return clears
            ? BidOutcome(.cleared, clearedMW: bid.quantityMW, clearingPrice: rrp)
            : BidOutcome(.notCleared, clearingPrice: rrp, "price \(rrp) did not reach the limit \(bid.price)")
    }
}
