/*
 * manta/market.h -- extension "manta.market/1": market connectors, and the
 * host extension "manta.host.market/1" they publish through.
 *
 * A market connector delivers regional prices, either for a range on request
 * (history) or as each interval's price appears (live, or a replay following
 * the host clock), and accepts bids.
 */
#ifndef MANTA_MARKET_H
#define MANTA_MARKET_H

#include "module.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MANTA_MARKET_ID "manta.market/1"
#define MANTA_HOST_MARKET_ID "manta.host.market/1"

/* Price status. */
#define MANTA_PRICE_FIRM 1     /* settled/dispatch price */
#define MANTA_PRICE_FORECAST 2 /* pre-dispatch or model forecast */

/* Market services: what a manta_bid_t is for. Values are never reused.
 * The FCAS services (ABI 1.4) are 2 + the service's MANTA_FCAS_* index; a
 * host sends them only to a connector that states minor >= 4, and a
 * connector refuses (MANTA_BID_REJECTED) a service it does not trade. An
 * FCAS bid's quantity is + MW of enablement and its price AUD/MW/h: it
 * clears when the service's price is >= it. */
#define MANTA_SERVICE_ENERGY 1
#define MANTA_SERVICE_RAISE1SEC 2  /* ABI 1.4 */
#define MANTA_SERVICE_RAISE6SEC 3  /* ABI 1.4 */
#define MANTA_SERVICE_RAISE60SEC 4 /* ABI 1.4 */
#define MANTA_SERVICE_RAISE5MIN 5  /* ABI 1.4 */
#define MANTA_SERVICE_RAISEREG 6   /* ABI 1.4 */
#define MANTA_SERVICE_LOWER1SEC 7  /* ABI 1.4 */
#define MANTA_SERVICE_LOWER6SEC 8  /* ABI 1.4 */
#define MANTA_SERVICE_LOWER60SEC 9 /* ABI 1.4 */
#define MANTA_SERVICE_LOWER5MIN 10 /* ABI 1.4 */
#define MANTA_SERVICE_LOWERREG 11  /* ABI 1.4 */

/* FCAS markets: indices into manta_price_t.fcas and bits of its
 * fcas_priced (ABI 1.2). AEMO's names; the 1 s services exist from
 * 9 October 2023. Values are never reused. */
#define MANTA_FCAS_RAISE1SEC 0  /* very fast contingency raise */
#define MANTA_FCAS_RAISE6SEC 1  /* fast contingency raise */
#define MANTA_FCAS_RAISE60SEC 2 /* slow contingency raise */
#define MANTA_FCAS_RAISE5MIN 3  /* delayed contingency raise */
#define MANTA_FCAS_RAISEREG 4   /* regulation raise */
#define MANTA_FCAS_LOWER1SEC 5
#define MANTA_FCAS_LOWER6SEC 6
#define MANTA_FCAS_LOWER60SEC 7
#define MANTA_FCAS_LOWER5MIN 8
#define MANTA_FCAS_LOWERREG 9
#define MANTA_FCAS_COUNT 10

/* One interval's price in one region. Arrays of these are stepped through by
 * the `stride` given beside them. */
typedef struct manta_price {
    uint32_t struct_size;
    int32_t status; /* MANTA_PRICE_* */
    /* END of the interval (AEMO convention), UTC ms. NEM market time is
     * UTC+10 all year: "2022/01/01 00:05:00" is 2021-12-31T14:05:00Z. */
    int64_t interval_end_ms;
    manta_str_t region; /* "VIC1"; borrowed */
    double rrp;         /* regional reference price, AUD/MWh */
    double demand_mw;   /* regional demand, NaN if unknown */
    /* ABI 1.2. FCAS prices, AUD/MW per hour of enablement (an interval
     * earns MW x price x 5/60), indexed by MANTA_FCAS_*. fcas[i] holds a
     * price only where bit (1 << i) of fcas_priced is set; the others are
     * ignored. A zeroed struct therefore carries no FCAS, and neither does
     * a price from a 1.0 or 1.1 connector (MANTA_HAS_FIELD says so). */
    uint32_t fcas_priced;
    uint32_t reserved; /* zero */
    double fcas[MANTA_FCAS_COUNT];
} manta_price_t;

/* The size of a manta_price_t from a 1.0 or 1.1 writer: the smallest
 * struct_size (and stride) a reader accepts. */
#define MANTA_PRICE_SIZE_1_0 offsetof(manta_price_t, fcas_priced)

/* Receives prices during fetch_prices(). `prices` is borrowed. Returns
 * MANTA_OK to continue or an error code to stop the fetch.
 * [worker] called on the connector's own worker, inside fetch_prices(). */
typedef int32_t (*manta_price_sink_fn)(void *sink_ctx,
                                       const manta_price_t *prices,
                                       uint32_t count, uint32_t stride);

/* A single-band bid or offer. Owned by the host. */
typedef struct manta_bid {
    uint32_t struct_size;
    int32_t service; /* MANTA_SERVICE_* */
    uint64_t bid_id; /* host-assigned, unique */
    manta_str_t region;
    int64_t interval_end_ms;
    /* + offers to generate or discharge; - bids to consume or charge. MW. */
    double quantity_mw;
    /* Limit price, AUD/MWh: an offer clears when the price is >= it, a bid
     * when the price is <= it. */
    double price;
} manta_bid_t;

/* Bid statuses. */
#define MANTA_BID_ACCEPTED 1    /* lodged; clearing not yet known */
#define MANTA_BID_CLEARED 2     /* cleared at clearing_price for cleared_mw */
#define MANTA_BID_NOT_CLEARED 3 /* the price did not reach the limit */
#define MANTA_BID_REJECTED 4    /* refused: see message */

typedef struct manta_bid_result {
    uint32_t struct_size;
    int32_t status; /* MANTA_BID_* */
    double cleared_mw;
    double clearing_price;
    char message[MANTA_MESSAGE_SIZE]; /* NUL-terminated, may be empty */
} manta_bid_result_t;

typedef struct manta_market {
    uint32_t struct_size;
    uint32_t reserved0;

    /* [worker] Deliver the prices of `region` for intervals whose END lies in
     * (from_ms, to_ms], oldest first, through `sink` in one or more batches.
     * Only while started. Returns MANTA_OK (also when there was nothing), or
     * the sink's error, or an error code after report_error(). */
    int32_t (*fetch_prices)(manta_instance_t *instance, manta_str_t region,
                            int64_t from_ms, int64_t to_ms,
                            manta_price_sink_fn sink, void *sink_ctx);

    /* [worker] Lodge a bid; fill `out` (owned by the host). Only while
     * started. Returns MANTA_OK when `out` is filled in. */
    int32_t (*submit_bid)(manta_instance_t *instance, const manta_bid_t *bid,
                          manta_bid_result_t *out);
} manta_market_t;

/* Host extension for connectors that publish prices as they appear. */
typedef struct manta_host_market {
    uint32_t struct_size;
    uint32_t reserved0;

    /* [any] Publish `count` prices, stepping by `stride` bytes. Borrowed.
     * The host files them by region and interval end; a newer FIRM price
     * replaces an older one for the same interval. Returns MANTA_OK once
     * queued. */
    int32_t (*publish_prices)(const manta_host_t *host,
                              const manta_price_t *prices, uint32_t count,
                              uint32_t stride);
} manta_host_market_t;

#ifdef __cplusplus
}
#endif

#endif /* MANTA_MARKET_H */
