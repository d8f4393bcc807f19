/*
 * fixture.c -- a configurable test plugin. The tests compile it with -D
 * flags into deliberately broken variants:
 *
 *   FIXTURE_ABI_MAJOR       abi_major the module claims (default: the SDK's)
 *   FIXTURE_MIN_HOST_MINOR  lowest host minor it accepts (default 0)
 *   FIXTURE_ID, FIXTURE_VERSION  identity strings
 *   FIXTURE_KIND            MANTA_KIND_DRIVER or MANTA_KIND_STRATEGY
 *   FIXTURE_ENTRY_NULL      the entry point returns NULL
 *   FIXTURE_NO_ENTRY        no entry point at all
 *   FIXTURE_BEHAVIOUR       0 well behaved, 1 decide/apply fail, 2 decide hangs,
 *                           3 start crashes (SIGSEGV), 4 create fails,
 *                           5 driver publishes bad samples at start,
 *                           6 a callback crashes (SIGSEGV), 7 a callback calls
 *                           abort(), 8 start never returns, 9 decide crashes
 *                           (SIGSEGV); 6 and 7 ask for the callback at start
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "manta/manta.h"

#ifndef FIXTURE_ABI_MAJOR
#define FIXTURE_ABI_MAJOR MANTA_ABI_MAJOR
#endif
#ifndef FIXTURE_MIN_HOST_MINOR
#define FIXTURE_MIN_HOST_MINOR 0
#endif
#ifndef FIXTURE_ID
#define FIXTURE_ID "test.fixture"
#endif
#ifndef FIXTURE_VERSION
#define FIXTURE_VERSION "1.0.0"
#endif
#ifndef FIXTURE_KIND
#define FIXTURE_KIND MANTA_KIND_STRATEGY
#endif
#ifndef FIXTURE_BEHAVIOUR
#define FIXTURE_BEHAVIOUR 0
#endif

typedef struct fixture {
    const manta_host_t *host;
} fixture_t;

static void report(const fixture_t *f, int32_t code, const char *text) {
    manta_str_t s = {text, strlen(text)};
    f->host->report_error(f->host, code, s);
}

static int32_t module_init(void) { return MANTA_OK; }
static void module_deinit(void) {}

static manta_instance_t *create(const manta_host_t *host, manta_str_t config) {
    (void)config;
    fixture_t tmp = {host};
    if (FIXTURE_BEHAVIOUR == 4) {
        report(&tmp, MANTA_ERR_CONFIG, "fixture: refusing to create (behaviour 4)");
        return NULL;
    }
    fixture_t *f = calloc(1, sizeof *f);
    f->host = host;
    return (manta_instance_t *)f;
}

static uint32_t point(const fixture_t *f, const char *name) {
    manta_str_t s = {name, strlen(name)};
    return f->host->point_id(f->host, s);
}

/* Behaviour 5: one good sample and five that the host must flag or reject. */
static void publish_bad_samples(const fixture_t *f) {
    uint32_t soc = point(f, "battery.soc"), w = point(f, "ac.w"), dc = point(f, "dc.w");
    int64_t t = f->host->now_ms(f->host);
    manta_sample_t s[] = {
        {0, soc, t, 0.5, MANTA_QUALITY_GOOD, 0},     /* good */
        {0, soc, t + 1, NAN, MANTA_QUALITY_GOOD, 0},  /* not finite: invalid */
        {0, soc, t + 2, 1.7, MANTA_QUALITY_GOOD, 0},  /* SOC above 1: invalid */
        {0, w, t + 3, 1e9, MANTA_QUALITY_GOOD, 0},    /* far beyond the rating: invalid */
        {0, 9999, t + 4, 1.0, MANTA_QUALITY_GOOD, 0}, /* unknown point: rejected */
        {7, soc, t + 5, 0.5, MANTA_QUALITY_GOOD, 0},  /* unknown device: rejected */
        {0, dc, t + 6, 10.0, MANTA_QUALITY_GOOD, 0},  /* PV point on a battery: rejected */
    };
    f->host->publish_samples(f->host, s, sizeof s / sizeof s[0]);
}

static int32_t start(manta_instance_t *instance) {
    fixture_t *f = (fixture_t *)instance;
    if (FIXTURE_BEHAVIOUR == 3) {
        volatile int *null = NULL;
        *null = 1; /* crash, on purpose */
    }
    if (FIXTURE_BEHAVIOUR == 5) publish_bad_samples(f);
    if (FIXTURE_BEHAVIOUR == 6 || FIXTURE_BEHAVIOUR == 7) f->host->request_callback(f->host, 1000);
    if (FIXTURE_BEHAVIOUR == 8) {
        for (;;) sleep(1); /* never returns */
    }
    return MANTA_OK;
}

static void stop(manta_instance_t *instance) { (void)instance; }
static void destroy(manta_instance_t *instance) { free(instance); }
static void on_callback(manta_instance_t *instance) {
    (void)instance;
    if (FIXTURE_BEHAVIOUR == 6) {
        volatile int *null = NULL;
        *null = 1; /* crash, on purpose */
    }
    if (FIXTURE_BEHAVIOUR == 7) abort();
}

static int32_t decide(manta_instance_t *instance, const manta_observation_t *obs, manta_decision_t *out) {
    fixture_t *f = (fixture_t *)instance;
    if (FIXTURE_BEHAVIOUR == 1) {
        report(f, MANTA_ERR_INTERNAL, "fixture: decide fails (behaviour 1)");
        return MANTA_ERR_INTERNAL;
    }
    if (FIXTURE_BEHAVIOUR == 2) {
        for (;;) sleep(1); /* never answers */
    }
    if (FIXTURE_BEHAVIOUR == 9) {
        volatile int *null = NULL;
        *null = 1; /* crash, on purpose */
    }
    for (uint32_t i = 0; i < out->count; i++) out->target_w[i] = obs->price < 0 ? -1000 : 1000;
    snprintf(out->reason, sizeof out->reason, "fixture: price %.2f", obs->price);
    return MANTA_OK;
}

static uint32_t device_count(manta_instance_t *instance) { (void)instance; return 1; }

static int32_t device_info(manta_instance_t *instance, uint32_t index, manta_device_info_t *out) {
    (void)instance;
    if (index != 0) return MANTA_ERR_INVALID;
    out->kind = MANTA_DEVICE_BATTERY;
    out->key = MANTA_STR("battery-1");
    out->site = MANTA_STR("fixture-site");
    out->manufacturer = MANTA_STR("Fixture");
    out->model = MANTA_STR("F1");
    out->serial = MANTA_STR("0001");
    out->rated_power_w = 5000;
    out->max_charge_w = 5000;
    out->max_discharge_w = 5000;
    out->capacity_wh = 10000;
    out->soc_min = 0;
    out->soc_max = 1;
    out->round_trip_efficiency = 0.9;
    out->flags = MANTA_DEVICE_F_CONTROLLABLE;
    return MANTA_OK;
}

static int32_t apply_setpoint(manta_instance_t *instance, const manta_setpoint_t *sp, manta_setpoint_result_t *out) {
    (void)instance;
    if (FIXTURE_BEHAVIOUR == 1) return MANTA_ERR_IO;
    out->outcome = MANTA_OUTCOME_APPLIED;
    out->applied_value = sp->value;
    return MANTA_OK;
}

static const manta_strategy_t strategy = {sizeof(manta_strategy_t), 0, decide};
static const manta_driver_t driver = {sizeof(manta_driver_t), 0, device_count, device_info, apply_setpoint};

static const void *get_extension(const char *id) {
    if (FIXTURE_KIND == MANTA_KIND_STRATEGY && strcmp(id, MANTA_STRATEGY_ID) == 0) return &strategy;
    if (FIXTURE_KIND == MANTA_KIND_DRIVER && strcmp(id, MANTA_DRIVER_ID) == 0) return &driver;
    return NULL;
}

static const manta_module_t module = {
    .struct_size = sizeof(manta_module_t),
    .abi_major = FIXTURE_ABI_MAJOR,
    .abi_minor = MANTA_ABI_MINOR,
    .min_host_minor = FIXTURE_MIN_HOST_MINOR,
    .id = MANTA_STR(FIXTURE_ID),
    .version = MANTA_STR(FIXTURE_VERSION),
    .kind = FIXTURE_KIND,
    .init = module_init,
    .deinit = module_deinit,
    .create = create,
    .start = start,
    .stop = stop,
    .destroy = destroy,
    .on_callback = on_callback,
    .get_extension = get_extension,
};

#ifndef FIXTURE_NO_ENTRY
MANTA_EXPORT const manta_module_t *manta_module_entry_v1(uint32_t host_major, uint32_t host_minor) {
    (void)host_major;
    (void)host_minor;
#ifdef FIXTURE_ENTRY_NULL
    return NULL;
#else
    return &module;
#endif
}
#endif /* FIXTURE_NO_ENTRY */
