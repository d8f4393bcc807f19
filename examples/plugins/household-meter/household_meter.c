/*
 * household_meter.c -- an example driver plugin, built outside the Manta
 * source tree with nothing but a C compiler and the SDK headers:
 *
 *     make            (cc -shared -fPIC -fvisibility=hidden -I<sdk>/include ...)
 *     manta plugin check libhousehold_meter.so --manifest manifest.json
 *
 * It serves one grid-connection meter whose readings replay a real
 * household: the Ausgrid Solar Home data (half-hourly mean kW of
 * consumption GC and rooftop generation GG). The meter's power is
 * GG - GC: positive while the house exports, negative while it imports.
 * A reading is looked up by calendar day and time of day on the host
 * clock, so the 2011-12 year replays under any replay date.
 *
 * What it shows: parsing config with jansson, looking up point ids once,
 * publishing samples from the worker on host-requested callbacks, keeping
 * energy counters, and refusing setpoints (a meter is read-only).
 */
/* timegm() and gmtime_r() are POSIX/BSD, not ISO C. */
#define _DEFAULT_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "manta/manta.h"

#define SLOTS (366 * 48) /* day of a leap year x half hour */

typedef struct meter {
    const manta_host_t *host;
    float *net_kw; /* GG - GC per (day-of-year, half hour); NAN where absent */
    int64_t interval_ms;
    int64_t last_ms;
    double import_wh, export_wh;
    uint32_t p_w, p_import, p_export;
    char key[64];
} meter_t;

static void fail(const manta_host_t *host, int32_t code, const char *text) {
    manta_str_t s = {text, strlen(text)};
    host->report_error(host, code, s);
}

/* Slot of a market-time instant (UTC+10, the NEM's clock). */
static int slot_of(int64_t ms) {
    time_t t = (time_t)(ms / 1000 + 10 * 3600);
    struct tm c;
    gmtime_r(&t, &c);
    /* Day within a leap year, so that 29 Feb has its own place. */
    static const int start[12] = {0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335};
    return (start[c.tm_mon] + c.tm_mday - 1) * 48 + c.tm_hour * 2 + c.tm_min / 30;
}

static int load(meter_t *m, const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    char line[256];
    int rows = 0;
    for (int i = 0; i < SLOTS; i++) m->net_kw[i] = NAN;
    while (fgets(line, sizeof line, f)) {
        int y, mo, d, h, mi, s;
        double gc, gg;
        if (sscanf(line, "%d-%d-%d %d:%d:%d,%lf,%lf", &y, &mo, &d, &h, &mi, &s, &gc, &gg) != 8) continue;
        struct tm c = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
        int64_t ms = ((int64_t)timegm(&c) - 10 * 3600) * 1000;
        m->net_kw[slot_of(ms)] = (float)(gg - gc);
        rows++;
    }
    fclose(f);
    return rows;
}

static int32_t module_init(void) { return MANTA_OK; }
static void module_deinit(void) {}

static manta_instance_t *create(const manta_host_t *host, manta_str_t config_json) {
    json_t *config = json_loadb(config_json.ptr, (size_t)config_json.len, 0, NULL);
    const char *file = json_string_value(json_object_get(config, "file"));
    const char *site = json_string_value(json_object_get(config, "site"));
    meter_t *m = calloc(1, sizeof *m);
    m->host = host;
    m->net_kw = malloc(sizeof(float) * SLOTS);
    m->interval_ms = json_integer_value(json_object_get(config, "publish_interval_ms"));
    snprintf(m->key, sizeof m->key, "%s.meter", site ? site : "house");
    char msg[512];
    int rows = file ? load(m, file) : 0;
    json_decref(config);
    if (rows == 0) {
        snprintf(msg, sizeof msg, "file: no readings in %s", file ? file : "(none)");
        fail(host, MANTA_ERR_CONFIG, msg);
        free(m->net_kw);
        free(m);
        return NULL;
    }
    m->p_w = host->point_id(host, MANTA_STR("ac.w"));
    m->p_import = host->point_id(host, MANTA_STR("energy.import_wh"));
    m->p_export = host->point_id(host, MANTA_STR("energy.export_wh"));
    snprintf(msg, sizeof msg, "%d half-hour readings from %s", rows, file);
    host->log(host, MANTA_LOG_INFO, (manta_str_t){msg, strlen(msg)});
    return (manta_instance_t *)m;
}

static double net_w(const meter_t *m, int64_t ms) {
    float kw = m->net_kw[slot_of(ms)];
    return isnan(kw) ? NAN : kw * 1000.0;
}

static void publish(meter_t *m) {
    int64_t now = m->host->now_ms(m->host);
    double w = net_w(m, now);
    if (m->last_ms && !isnan(w)) {
        double wh = w * (double)(now - m->last_ms) / 3.6e6;
        if (wh > 0) m->export_wh += wh; else m->import_wh -= wh;
    }
    m->last_ms = now;
    manta_sample_t s[3] = {
        {0, m->p_w, now, w, isnan(w) ? MANTA_QUALITY_INVALID : MANTA_QUALITY_GOOD, 0},
        {0, m->p_import, now, m->import_wh, MANTA_QUALITY_ESTIMATED, 0},
        {0, m->p_export, now, m->export_wh, MANTA_QUALITY_ESTIMATED, 0},
    };
    m->host->publish_samples(m->host, s, 3);
    m->host->request_callback(m->host, m->interval_ms);
}

static int32_t start(manta_instance_t *instance) {
    publish((meter_t *)instance);
    return MANTA_OK;
}

static void stop(manta_instance_t *instance) { (void)instance; }

static void destroy(manta_instance_t *instance) {
    meter_t *m = (meter_t *)instance;
    free(m->net_kw);
    free(m);
}

static void on_callback(manta_instance_t *instance) { publish((meter_t *)instance); }

static uint32_t device_count(manta_instance_t *instance) { (void)instance; return 1; }

static int32_t device_info(manta_instance_t *instance, uint32_t index, manta_device_info_t *out) {
    meter_t *m = (meter_t *)instance;
    if (index != 0) return MANTA_ERR_INVALID;
    out->kind = MANTA_DEVICE_METER;
    out->key = (manta_str_t){m->key, strlen(m->key)};
    out->site = (manta_str_t){m->key, strlen(m->key) - strlen(".meter")};
    out->manufacturer = MANTA_STR("Example");
    out->model = MANTA_STR("Replay meter");
    out->serial = MANTA_STR("AUSGRID-12");
    out->rated_power_w = NAN;
    out->capacity_wh = NAN;
    out->soc_max = 1;
    out->round_trip_efficiency = NAN;
    out->flags = MANTA_DEVICE_F_READ_ONLY;
    return MANTA_OK;
}

static int32_t apply_setpoint(manta_instance_t *instance, const manta_setpoint_t *sp, manta_setpoint_result_t *out) {
    (void)instance;
    (void)sp;
    out->outcome = MANTA_OUTCOME_REJECTED;
    out->applied_value = NAN;
    snprintf(out->message, sizeof out->message, "a meter is read-only");
    return MANTA_OK;
}

static const manta_driver_t driver = {
    .struct_size = sizeof(manta_driver_t),
    .device_count = device_count,
    .device_info = device_info,
    .apply_setpoint = apply_setpoint,
};

static const void *get_extension(const char *id) {
    return strcmp(id, MANTA_DRIVER_ID) == 0 ? &driver : NULL;
}

static const manta_module_t module = {
    .struct_size = sizeof(manta_module_t),
    .abi_major = MANTA_ABI_MAJOR,
    .abi_minor = MANTA_ABI_MINOR,
    .min_host_minor = 0,
    .id = MANTA_STR("example.household-meter"),
    .version = MANTA_STR("1.0.0"),
    .kind = MANTA_KIND_DRIVER,
    .init = module_init,
    .deinit = module_deinit,
    .create = create,
    .start = start,
    .stop = stop,
    .destroy = destroy,
    .on_callback = on_callback,
    .get_extension = get_extension,
};

MANTA_EXPORT const manta_module_t *manta_module_entry_v1(uint32_t host_abi_major, uint32_t host_abi_minor) {
    (void)host_abi_minor;
    return host_abi_major == MANTA_ABI_MAJOR ? &module : NULL;
}
