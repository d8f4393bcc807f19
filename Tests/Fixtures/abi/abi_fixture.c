/*
 * abi_fixture.c -- a well-behaved driver, strategy or market (-DKIND=1, 2
 * or 3: MANTA_KIND_*) that can be compiled against any minor of the ABI
 * headers: the frozen 1.0 copy (Tests/Fixtures/abi/v1.0), today's SDK, or
 * the "next" headers whose growable structs all have an appended next_field
 * (written by Tests/Fixtures/abi/make_next.py). ABIGrowthTests builds it each way and runs it in
 * a real host.
 *
 * It writes what it sees of the host's structs, one "key=value" line per
 * observation, to the file named by the "report" member of its config:
 * struct sizes, strides, and, when its headers have next_field, whether
 * MANTA_HAS_FIELD says the host's struct has it. It reads next_field only
 * when MANTA_HAS_FIELD says so, and writes into a host struct only fields
 * within the struct_size the host set.
 *
 *   -DMIN_HOST_MINOR=n   the module's min_host_minor (default 0)
 */
#define _POSIX_C_SOURCE 200809L /* strndup */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manta/manta.h"

#ifndef KIND
#error "build with -DKIND=1 (driver), 2 (strategy) or 3 (market)"
#endif
#ifndef FIXTURE_ID
#define FIXTURE_ID "test.abi-fixture"
#endif
#ifndef MIN_HOST_MINOR
#define MIN_HOST_MINOR 0
#endif

/* The next headers are the only ones with next_field. */
#if MANTA_ABI_MINOR >= 2
#define HAS_NEXT 1
#define NEXT(ptr, type) fprintf(f->report, #type ".has_next=%d\n", MANTA_HAS_FIELD(ptr, type, next_field) ? 1 : 0)
#else
#define HAS_NEXT 0
#define NEXT(ptr, type) ((void)0)
#endif
/* A value the host never sees: set in the fixture's own appended fields. */
#define SENTINEL 0x5EED5EED5EED5EEDull

#define DEVICES 2
#define INTERVAL_MS 300000

typedef struct fixture {
    const manta_host_t *host;
    FILE *report;
    uint32_t soc_point, power_point;
    double soc[DEVICES], power[DEVICES];
    int single_calls, batch_calls, callbacks;
} fixture_t;

/* rrp of the interval ending at `end`: a pattern the tests recompute. */
static double rrp_at(int64_t end) { return 10.0 + (double)((end / INTERVAL_MS) % 100); }

/* The string value of "key" in a flat JSON object; enough for "report". */
static int config_string(manta_str_t json, const char *key, char *out, size_t size) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\"", key);
    char *text = strndup(json.ptr ? json.ptr : "", json.len);
    char *at = strstr(text, pattern);
    int ok = 0;
    if (at) {
        char *open = strchr(at + strlen(pattern), '"');
        char *close = open ? strchr(open + 1, '"') : NULL;
        if (close && (size_t)(close - open - 1) < size) {
            memcpy(out, open + 1, close - open - 1);
            out[close - open - 1] = 0;
            ok = 1;
        }
    }
    free(text);
    return ok;
}

static void report_error(const manta_host_t *host, int32_t code, const char *text) {
    manta_str_t s = {text, strlen(text)};
    host->report_error(host, code, s);
}

static uint32_t point(const manta_host_t *host, const char *name) {
    manta_str_t s = {name, strlen(name)};
    return host->point_id(host, s);
}

static int32_t module_init(void) { return MANTA_OK; }
static void module_deinit(void) {}

static manta_instance_t *create(const manta_host_t *host, manta_str_t config) {
    char path[512];
    if (!config_string(config, "report", path, sizeof path)) {
        report_error(host, MANTA_ERR_CONFIG, "report: a file path is required");
        return NULL;
    }
    fixture_t *f = calloc(1, sizeof *f);
    f->host = host;
    f->report = fopen(path, "a");
    if (!f->report) {
        report_error(host, MANTA_ERR_IO, "report: cannot open the file");
        free(f);
        return NULL;
    }
    setvbuf(f->report, NULL, _IOLBF, 0);
    fprintf(f->report, "built.minor=%d\n", MANTA_ABI_MINOR);
    fprintf(f->report, "manta_host_t.struct_size=%u\n", host->struct_size);
    fprintf(f->report, "host.abi=%u.%u\n", host->abi_major, host->abi_minor);
    NEXT(host, manta_host_t);
    const manta_host_market_t *market = host->get_extension(host, MANTA_HOST_MARKET_ID);
    const manta_host_devices_t *devices = host->get_extension(host, MANTA_HOST_DEVICES_ID);
    if (market) {
        fprintf(f->report, "manta_host_market_t.struct_size=%u\n", market->struct_size);
        NEXT(market, manta_host_market_t);
    }
    if (devices) {
        fprintf(f->report, "manta_host_devices_t.struct_size=%u\n", devices->struct_size);
        NEXT(devices, manta_host_devices_t);
    }
    f->soc_point = point(host, "battery.soc");
    f->power_point = point(host, "ac.w");
    for (int i = 0; i < DEVICES; i++) f->soc[i] = 0.5;
    return (manta_instance_t *)f;
}

static void publish_samples(fixture_t *f) {
    int64_t t = f->host->now_ms(f->host);
    manta_sample_t s[2 * DEVICES];
    for (uint32_t d = 0; d < DEVICES; d++) {
        s[2 * d] = (manta_sample_t){d, f->soc_point, t, f->soc[d], MANTA_QUALITY_GOOD, 0};
        s[2 * d + 1] = (manta_sample_t){d, f->power_point, t, f->power[d], MANTA_QUALITY_GOOD, 0};
    }
    f->host->publish_samples(f->host, s, 2 * DEVICES);
}

/* Prices for the intervals ending in (from, to], as the fixture's own
 * manta_price_t (larger than the host's under the next headers). */
static uint32_t make_prices(manta_price_t *out, uint32_t room, int64_t from, int64_t to) {
    uint32_t n = 0;
    for (int64_t end = (from / INTERVAL_MS + 1) * INTERVAL_MS; end <= to && n < room; end += INTERVAL_MS) {
        manta_price_t p = {0};
        p.struct_size = sizeof(manta_price_t);
        p.status = MANTA_PRICE_FIRM;
        p.interval_end_ms = end;
        p.region = MANTA_STR("VIC1");
        p.rrp = rrp_at(end);
        p.demand_mw = 4321;
#if MANTA_ABI_MINOR >= 2
        /* One FCAS price; LOWERREG holds a value without its bit, which a
         * reader must ignore. */
        p.fcas_priced = 1u << MANTA_FCAS_RAISE6SEC;
        p.fcas[MANTA_FCAS_RAISE6SEC] = 1.25;
        p.fcas[MANTA_FCAS_LOWERREG] = 99;
#endif
#if HAS_NEXT
        p.next_field = SENTINEL;
#endif
        out[n++] = p;
    }
    return n;
}

static int32_t start(manta_instance_t *instance) {
    fixture_t *f = (fixture_t *)instance;
    if (KIND == MANTA_KIND_DRIVER) {
        publish_samples(f);
        const manta_host_devices_t *devices = f->host->get_extension(f->host, MANTA_HOST_DEVICES_ID);
        if (devices) {
            for (uint32_t d = 0; d < DEVICES; d++) devices->set_link_state(f->host, d, MANTA_LINK_ONLINE, MANTA_STR(""));
        }
    }
    if (KIND == MANTA_KIND_MARKET) {
        /* Publish the day so far and two hours ahead: the dispatch cycle
         * finds each interval's price already there. */
        const manta_host_market_t *market = f->host->get_extension(f->host, MANTA_HOST_MARKET_ID);
        int64_t now = f->host->now_ms(f->host);
        static manta_price_t prices[64];
        uint32_t n = make_prices(prices, 64, now - 12 * INTERVAL_MS, now + 24 * INTERVAL_MS);
        int32_t rc = market ? market->publish_prices(f->host, prices, n, sizeof(manta_price_t)) : MANTA_ERR_UNSUPPORTED;
        fprintf(f->report, "published=%u rc=%d stride=%zu\n", n, rc, sizeof(manta_price_t));
    }
    f->host->request_callback(f->host, 30000);
    return MANTA_OK;
}

static void stop(manta_instance_t *instance) { (void)instance; }

static void destroy(manta_instance_t *instance) {
    fixture_t *f = (fixture_t *)instance;
    fprintf(f->report, "destroyed single=%d batch=%d callbacks=%d\n", f->single_calls, f->batch_calls, f->callbacks);
    fclose(f->report);
    free(f);
}

static void on_callback(manta_instance_t *instance) {
    fixture_t *f = (fixture_t *)instance;
    f->callbacks++;
    if (KIND == MANTA_KIND_DRIVER) publish_samples(f);
    f->host->request_callback(f->host, 30000);
}

/* ---- driver ---- */

static uint32_t device_count(manta_instance_t *instance) { (void)instance; return DEVICES; }

static int32_t device_info(manta_instance_t *instance, uint32_t index, manta_device_info_t *out) {
    fixture_t *f = (fixture_t *)instance;
    if (index >= DEVICES || out->struct_size < offsetof(manta_device_info_t, reserved0) + sizeof out->reserved0) {
        return MANTA_ERR_INVALID;
    }
    fprintf(f->report, "manta_device_info_t.struct_size=%u\n", out->struct_size);
    NEXT(out, manta_device_info_t);
    static const manta_str_t keys[DEVICES] = {{"battery-1", 9}, {"battery-2", 9}};
    out->kind = MANTA_DEVICE_BATTERY;
    out->key = keys[index];
    out->site = MANTA_STR("abi-site");
    out->manufacturer = MANTA_STR("Fixture");
#if HAS_NEXT
    out->model = MANTA_STR("next");
#else
    out->model = MANTA_STR("v1.0");
#endif
    out->serial = MANTA_STR("0001");
    out->rated_power_w = 5000;
    out->max_charge_w = 5000;
    out->max_discharge_w = 5000;
    out->capacity_wh = 10000;
    out->soc_min = 0;
    out->soc_max = 1;
    out->round_trip_efficiency = 0.9;
    out->flags = MANTA_DEVICE_F_CONTROLLABLE;
#if HAS_NEXT
    /* Only a host that knows next_field has room for it. */
    if (MANTA_HAS_FIELD(out, manta_device_info_t, next_field)) out->next_field = SENTINEL;
#endif
    return MANTA_OK;
}

static void take(fixture_t *f, const manta_setpoint_t *sp, manta_setpoint_result_t *out, const char *how) {
    fprintf(f->report, "manta_setpoint_t.struct_size=%u\n", sp->struct_size);
    NEXT(sp, manta_setpoint_t);
    fprintf(f->report, "manta_setpoint_result_t.struct_size=%u\n", out->struct_size);
    NEXT(out, manta_setpoint_result_t);
    if (sp->device >= DEVICES || sp->mode != MANTA_SETPOINT_ACTIVE_POWER) {
        out->outcome = MANTA_OUTCOME_REJECTED;
        out->applied_value = NAN;
        snprintf(out->message, sizeof out->message, "fixture: device %u mode %d refused", sp->device, sp->mode);
        return;
    }
    f->power[sp->device] = sp->value;
    out->outcome = MANTA_OUTCOME_APPLIED;
    out->applied_value = sp->value;
    snprintf(out->message, sizeof out->message, "abi fixture %d, %s: command %llu", MANTA_ABI_MINOR, how,
             (unsigned long long)sp->command_id);
}

static int32_t apply_setpoint(manta_instance_t *instance, const manta_setpoint_t *sp, manta_setpoint_result_t *out) {
    fixture_t *f = (fixture_t *)instance;
    f->single_calls++;
    fprintf(f->report, "apply_setpoint device=%u\n", sp->device);
    take(f, sp, out, "apply_setpoint");
    return MANTA_OK;
}

#if MANTA_ABI_MINOR >= 1
static int32_t apply_setpoints(manta_instance_t *instance, const manta_setpoint_t *setpoints, uint32_t count,
                               uint32_t stride, manta_setpoint_result_t *results, uint32_t result_stride) {
    fixture_t *f = (fixture_t *)instance;
    f->batch_calls++;
    fprintf(f->report, "apply_setpoints count=%u stride=%u result_stride=%u\n", count, stride, result_stride);
    for (uint32_t i = 0; i < count; i++) {
        take(f, (const manta_setpoint_t *)((const char *)setpoints + (size_t)i * stride),
             (manta_setpoint_result_t *)((char *)results + (size_t)i * result_stride), "apply_setpoints");
    }
    return MANTA_OK;
}
#endif

static const manta_driver_t driver = {
    .struct_size = sizeof(manta_driver_t),
    .device_count = device_count,
    .device_info = device_info,
    .apply_setpoint = apply_setpoint,
#if MANTA_ABI_MINOR >= 1
    .apply_setpoints = apply_setpoints,
#endif
#if HAS_NEXT
    .next_field = SENTINEL,
#endif
};

/* ---- strategy ---- */

static int32_t decide(manta_instance_t *instance, const manta_observation_t *obs, manta_decision_t *out) {
    fixture_t *f = (fixture_t *)instance;
    fprintf(f->report, "manta_observation_t.struct_size=%u\n", obs->struct_size);
    NEXT(obs, manta_observation_t);
    fprintf(f->report, "manta_decision_t.struct_size=%u\n", out->struct_size);
    NEXT(out, manta_decision_t);
    fprintf(f->report, "asset_stride=%u\n", obs->asset_stride);
    for (uint32_t i = 0; i < obs->asset_count; i++) {
        /* By the host's stride, never by this header's sizeof. */
        const manta_asset_state_t *a = (const manta_asset_state_t *)((const char *)obs->assets + (size_t)i * obs->asset_stride);
        fprintf(f->report, "manta_asset_state_t.struct_size=%u\n", a->struct_size);
        NEXT(a, manta_asset_state_t);
        fprintf(f->report, "asset=%.*s soc=%.3f\n", (int)a->id.len, a->id.ptr, a->soc);
    }
    for (uint32_t i = 0; i < out->count; i++) out->target_w[i] = obs->price >= 50 ? 1000 : -1000;
    snprintf(out->reason, sizeof out->reason, "abi fixture %d: price %.2f, %u assets", MANTA_ABI_MINOR, obs->price,
             obs->asset_count);
#if HAS_NEXT
    if (MANTA_HAS_FIELD(out, manta_decision_t, next_field)) out->next_field = SENTINEL;
#endif
    return MANTA_OK;
}

static const manta_strategy_t strategy = {
    .struct_size = sizeof(manta_strategy_t),
    .decide = decide,
#if HAS_NEXT
    .next_field = SENTINEL,
#endif
};

/* ---- market ---- */

static int32_t fetch_prices(manta_instance_t *instance, manta_str_t region, int64_t from_ms, int64_t to_ms,
                            manta_price_sink_fn sink, void *sink_ctx) {
    fixture_t *f = (fixture_t *)instance;
    fprintf(f->report, "fetch region=%.*s\n", (int)region.len, region.ptr);
    /* Two batches of at most 16, to exercise more than one sink call. */
    manta_price_t prices[16];
    /* History goes back a day at most: an open range stays finite. */
    int64_t from = from_ms > to_ms - 288 * (int64_t)INTERVAL_MS ? from_ms : to_ms - 288 * (int64_t)INTERVAL_MS;
    while (from < to_ms) {
        int64_t to = from + 16 * (int64_t)INTERVAL_MS < to_ms ? from + 16 * (int64_t)INTERVAL_MS : to_ms;
        uint32_t n = make_prices(prices, 16, from, to);
        if (n > 0) {
            int32_t rc = sink(sink_ctx, prices, n, sizeof(manta_price_t));
            if (rc != MANTA_OK) return rc;
        }
        from = to;
    }
    return MANTA_OK;
}

static int32_t submit_bid(manta_instance_t *instance, const manta_bid_t *bid, manta_bid_result_t *out) {
    fixture_t *f = (fixture_t *)instance;
    fprintf(f->report, "manta_bid_t.struct_size=%u\n", bid->struct_size);
    NEXT(bid, manta_bid_t);
    fprintf(f->report, "manta_bid_result_t.struct_size=%u\n", out->struct_size);
    NEXT(out, manta_bid_result_t);
    double rrp = rrp_at(bid->interval_end_ms);
    int cleared = bid->quantity_mw >= 0 ? rrp >= bid->price : rrp <= bid->price;
    out->status = cleared ? MANTA_BID_CLEARED : MANTA_BID_NOT_CLEARED;
    out->cleared_mw = cleared ? bid->quantity_mw : 0;
    out->clearing_price = rrp;
    snprintf(out->message, sizeof out->message, "abi fixture %d: bid %llu at %.2f", MANTA_ABI_MINOR,
             (unsigned long long)bid->bid_id, bid->price);
#if HAS_NEXT
    if (MANTA_HAS_FIELD(out, manta_bid_result_t, next_field)) out->next_field = SENTINEL;
#endif
    return MANTA_OK;
}

static const manta_market_t market = {
    .struct_size = sizeof(manta_market_t),
    .fetch_prices = fetch_prices,
    .submit_bid = submit_bid,
#if HAS_NEXT
    .next_field = SENTINEL,
#endif
};

/* ---- module ---- */

static const void *get_extension(const char *id) {
    if (KIND == MANTA_KIND_DRIVER && strcmp(id, MANTA_DRIVER_ID) == 0) return &driver;
    if (KIND == MANTA_KIND_STRATEGY && strcmp(id, MANTA_STRATEGY_ID) == 0) return &strategy;
    if (KIND == MANTA_KIND_MARKET && strcmp(id, MANTA_MARKET_ID) == 0) return &market;
    return NULL;
}

static const manta_module_t module = {
    .struct_size = sizeof(manta_module_t),
    .abi_major = MANTA_ABI_MAJOR,
    .abi_minor = MANTA_ABI_MINOR,
    .min_host_minor = MIN_HOST_MINOR,
    .id = MANTA_STR(FIXTURE_ID),
    .version = MANTA_STR("1.0.0"),
    .kind = KIND,
    .init = module_init,
    .deinit = module_deinit,
    .create = create,
    .start = start,
    .stop = stop,
    .destroy = destroy,
    .on_callback = on_callback,
    .get_extension = get_extension,
#if HAS_NEXT
    .next_field = SENTINEL,
#endif
};

MANTA_EXPORT const manta_module_t *manta_module_entry_v1(uint32_t host_major, uint32_t host_minor) {
    if (host_major != MANTA_ABI_MAJOR || (int64_t)host_minor < MIN_HOST_MINOR) return NULL;
    return &module;
}
