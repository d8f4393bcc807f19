/*
 * manta/strategy.h -- extension "manta.strategy/1": trading strategies.
 *
 * Once per market interval the host shows a strategy what a virtual power
 * plant looks like (the interval, its price, recent prices, every
 * controllable asset with its state of charge and limits) and asks for a
 * target power per asset. The host enforces limits afterwards, so a strategy
 * cannot push an asset past them; it can only lose money.
 */
#ifndef MANTA_STRATEGY_H
#define MANTA_STRATEGY_H

#include "module.h"
#include "market.h" /* MANTA_FCAS_* */

#ifdef __cplusplus
extern "C" {
#endif

#define MANTA_STRATEGY_ID "manta.strategy/1"

/* One controllable asset as the strategy sees it. Owned by the host. */
typedef struct manta_asset_state {
    uint32_t struct_size;
    int32_t kind; /* MANTA_DEVICE_* (driver.h) */

    manta_str_t id; /* global device id "<instance>/<key>"; borrowed */

    double soc;             /* state of charge 0..1; NaN when unknown or stale */
    double capacity_wh;     /* usable energy */
    double max_charge_w;    /* magnitude */
    double max_discharge_w; /* magnitude */
    double soc_min;
    double soc_max;
    double power_w;               /* last measured power, + = discharge */
    double round_trip_efficiency; /* 0..1, NaN if unknown */

    /* ---- ABI 1.5 ---- read only when MANTA_HAS_FIELD(asset,
     * manta_asset_state_t, import_cap_w). The asset's site as the host
     * measures it at the call, the same for every asset on the site, so a
     * strategy can plan around the home's load and the network's limits:
     * discharging more than site_load_w - site_pv_w exports, and past
     * export_limit_w the host holds the site at its meter whatever the
     * strategy asked. Watts; NaN where not known (no meter, no fresh
     * reading). */
    manta_str_t site;      /* the site's id; borrowed; empty when none */
    double site_load_w;    /* the household's consumption, >= 0 (inferred at the meter) */
    double site_pv_w;      /* the site's PV output, >= 0 */
    double site_grid_w;    /* at the grid meter: + = export, - = import */
    double export_limit_w; /* the most restrictive export limit in force on the site; +inf: none */
    double import_cap_w;   /* the import cap in force on the site now (Cap Service, the site's or its VPP's); +inf: none */
} manta_asset_state_t;

/* What the host shows the strategy. Owned by the host; everything it points
 * to is borrowed for the duration of decide(). */
typedef struct manta_observation {
    uint32_t struct_size;
    uint32_t reserved0;

    int64_t now_ms;          /* host clock at the call */
    int64_t interval_end_ms; /* END of the interval being decided (AEMO
                                convention: 00:05 labels 00:00-00:05) */
    int64_t interval_ms;     /* interval length; 300000 in the NEM */
    int64_t deadline_ms;     /* host clock; a later answer is discarded */

    manta_str_t vpp;    /* the virtual power plant's id */
    manta_str_t region; /* NEM region, e.g. "VIC1" */

    /* RRP for this interval in AUD/MWh; NaN when not yet known. */
    double price;

    /* RRPs of the `history_count` intervals before this one, oldest first;
     * the last entry is the interval that ended at interval_end_ms -
     * interval_ms. NaN marks a gap. */
    const double *price_history;
    uint32_t history_count;

    /* The assets, `asset_count` of them. Step through them by asset_stride
     * bytes, not by sizeof(manta_asset_state_t): the host's struct may be
     * newer than the plugin's. */
    uint32_t asset_count;
    const manta_asset_state_t *assets;
    uint32_t asset_stride;
    uint32_t reserved1;

    /* ---- ABI 1.2 ---- read only when MANTA_HAS_FIELD(obs,
     * manta_observation_t, fcas). The interval's FCAS prices, AUD/MW per
     * hour of enablement, indexed by MANTA_FCAS_* (market.h); fcas[i] is a
     * price only where bit (1 << i) of fcas_priced is set. 0 bits: no FCAS
     * is offered to this strategy this interval. */
    uint32_t fcas_priced;
    uint32_t reserved2;
    double fcas[MANTA_FCAS_COUNT];
} manta_observation_t;

/* The answer. Owned by the host; the strategy writes into it. */
typedef struct manta_decision {
    uint32_t struct_size;
    uint32_t count; /* == asset_count */
    /* Target power per asset in W, + = discharge/export, - = charge. The
     * host pre-fills 0 (hold). Non-finite entries are treated as hold. */
    double *target_w;
    /* Optional NUL-terminated reason, shown in the dispatch history. */
    char reason[MANTA_MESSAGE_SIZE];

    /* ---- ABI 1.2 ---- write only when MANTA_HAS_FIELD(out,
     * manta_decision_t, fcas_mw) and fcas_mw is not NULL. FCAS enablement
     * per asset in MW, count * MANTA_FCAS_COUNT entries, asset by asset:
     * fcas_mw[asset * MANTA_FCAS_COUNT + MANTA_FCAS_RAISE6SEC]. Owned by the
     * host, pre-filled 0, valid during decide() only. The host holds each
     * entry to what the asset can deliver beside its target (joint
     * capacity with the energy dispatch and regulation, energy to sustain
     * the service) and says what it cut; a service not priced in the
     * observation is not enabled. NULL when the host offers no FCAS. */
    double *fcas_mw;
} manta_decision_t;

typedef struct manta_strategy {
    uint32_t struct_size;
    uint32_t reserved0;

    /* [worker] Decide the interval described by `obs`, writing into `out`.
     * Must return before obs->deadline_ms; a late or failed answer is
     * replaced by "hold" for this interval and the cycle carries on.
     * Returns MANTA_OK or an error code after report_error(). */
    int32_t (*decide)(manta_instance_t *instance,
                      const manta_observation_t *obs, manta_decision_t *out);
} manta_strategy_t;

#ifdef __cplusplus
}
#endif

#endif /* MANTA_STRATEGY_H */
