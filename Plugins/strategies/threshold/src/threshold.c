/*
 * threshold.c -- the threshold strategy: charge when power is cheap,
 * discharge when it is dear, hold in between, within SOC bounds.
 *
 * A complete Manta plugin in plain C against the SDK headers, meant to be
 * read as an example. Config (validated by the host against manifest.json):
 *
 *   charge_below     charge when RRP <= this (AUD/MWh)
 *   discharge_above  discharge when RRP >= this (AUD/MWh)
 *   power_fraction   fraction of each asset's power rating to use, (0, 1]
 *   soc_min, soc_max SOC band the strategy keeps to, on top of each asset's
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "manta/manta.h"

typedef struct threshold {
    const manta_host_t *host;
    double charge_below;
    double discharge_above;
    double power_fraction;
    double soc_min;
    double soc_max;
    /* The reasons, built once: decide() runs every interval of a backtest. */
    char reason_charge[MANTA_MESSAGE_SIZE];
    char reason_discharge[MANTA_MESSAGE_SIZE];
    char reason_hold[MANTA_MESSAGE_SIZE];
} threshold_t;

static int init_count; /* module init/deinit are ref-counted (module.h) */

static void report(const manta_host_t *host, int32_t code, const char *text) {
    manta_str_t s = {text, strlen(text)};
    host->report_error(host, code, s);
}

static int32_t module_init(void) {
    __atomic_add_fetch(&init_count, 1, __ATOMIC_SEQ_CST);
    return MANTA_OK;
}

static void module_deinit(void) { __atomic_sub_fetch(&init_count, 1, __ATOMIC_SEQ_CST); }

/* Reads a number member; the host has filled defaults, so absence is a bug. */
static int read_number(json_t *config, const char *key, double *out) {
    json_t *v = json_object_get(config, key);
    if (!json_is_number(v)) return 0;
    *out = json_number_value(v);
    return 1;
}

static manta_instance_t *create(const manta_host_t *host, manta_str_t config_json) {
    json_error_t err;
    json_t *config = json_loadb(config_json.ptr, (size_t)config_json.len, 0, &err);
    if (!config) {
        report(host, MANTA_ERR_CONFIG, "configuration is not JSON");
        return NULL;
    }
    threshold_t *t = calloc(1, sizeof *t);
    const char *missing = NULL;
    if (!t) missing = "(out of memory)";
    else if (!read_number(config, "charge_below", &t->charge_below)) missing = "charge_below";
    else if (!read_number(config, "discharge_above", &t->discharge_above)) missing = "discharge_above";
    else if (!read_number(config, "power_fraction", &t->power_fraction)) missing = "power_fraction";
    else if (!read_number(config, "soc_min", &t->soc_min)) missing = "soc_min";
    else if (!read_number(config, "soc_max", &t->soc_max)) missing = "soc_max";
    json_decref(config);

    char msg[160];
    if (missing) {
        snprintf(msg, sizeof msg, "%s: must be a number", missing);
    } else if (t->charge_below >= t->discharge_above) {
        snprintf(msg, sizeof msg, "charge_below (%g) must be below discharge_above (%g)",
                 t->charge_below, t->discharge_above);
    } else if (!(t->soc_min <= t->soc_max)) {
        snprintf(msg, sizeof msg, "soc_min (%g) must not exceed soc_max (%g)", t->soc_min, t->soc_max);
    } else {
        t->host = host;
        snprintf(t->reason_charge, sizeof t->reason_charge, "RRP <= %.2f: charge", t->charge_below);
        snprintf(t->reason_discharge, sizeof t->reason_discharge, "RRP >= %.2f: discharge", t->discharge_above);
        snprintf(t->reason_hold, sizeof t->reason_hold, "%.2f < RRP < %.2f: hold", t->charge_below, t->discharge_above);
        return (manta_instance_t *)t;
    }
    report(host, MANTA_ERR_CONFIG, msg);
    free(t);
    return NULL;
}

static int32_t start(manta_instance_t *instance) { (void)instance; return MANTA_OK; }
static void stop(manta_instance_t *instance) { (void)instance; }
static void destroy(manta_instance_t *instance) { free(instance); }
static void on_callback(manta_instance_t *instance) { (void)instance; }

static int32_t decide(manta_instance_t *instance, const manta_observation_t *obs,
                      manta_decision_t *out) {
    const threshold_t *t = (const threshold_t *)instance;
    const char *reason = t->reason_hold;
    int sign = 0;
    if (isnan(obs->price)) {
        reason = "hold: price unknown";
    } else if (obs->price <= t->charge_below) {
        reason = t->reason_charge;
        sign = -1;
    } else if (obs->price >= t->discharge_above) {
        reason = t->reason_discharge;
        sign = 1;
    }
    const char *base = (const char *)obs->assets;
    for (uint32_t i = 0; i < obs->asset_count && i < out->count; i++) {
        /* Step by the host's stride: its struct may be newer than ours. */
        const manta_asset_state_t *a = (const manta_asset_state_t *)(base + (size_t)i * obs->asset_stride);
        double lo = a->soc_min > t->soc_min ? a->soc_min : t->soc_min;
        double hi = a->soc_max < t->soc_max ? a->soc_max : t->soc_max;
        double target = 0;
        if (isnan(a->soc)) target = 0;
        else if (sign < 0 && a->soc < hi) target = -a->max_charge_w * t->power_fraction;
        else if (sign > 0 && a->soc > lo) target = a->max_discharge_w * t->power_fraction;
        out->target_w[i] = target;
    }
    strncpy(out->reason, reason, sizeof out->reason - 1);
    return MANTA_OK;
}

static const manta_strategy_t strategy = {
    .struct_size = sizeof(manta_strategy_t),
    .decide = decide,
};

static const void *get_extension(const char *id) {
    return strcmp(id, MANTA_STRATEGY_ID) == 0 ? &strategy : NULL;
}

static const manta_module_t module = {
    .struct_size = sizeof(manta_module_t),
    .abi_major = MANTA_ABI_MAJOR,
    .abi_minor = MANTA_ABI_MINOR,
    .min_host_minor = 0,
    .id = MANTA_STR("manta.threshold"),
    .version = MANTA_STR("0.1.0"),
    .kind = MANTA_KIND_STRATEGY,
    .init = module_init,
    .deinit = module_deinit,
    .create = create,
    .start = start,
    .stop = stop,
    .destroy = destroy,
    .on_callback = on_callback,
    .get_extension = get_extension,
};

MANTA_EXPORT const manta_module_t *manta_module_entry_v1(uint32_t host_abi_major,
                                                         uint32_t host_abi_minor) {
    (void)host_abi_minor;
    return host_abi_major == MANTA_ABI_MAJOR ? &module : NULL;
}
