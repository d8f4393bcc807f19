/*
 * old_host.c -- a host as it would have been written at ABI 1.0, compiled
 * against the frozen headers in Tests/Fixtures/abi/v1.0. It loads a driver
 * module built with today's kit and drives it through its whole lifecycle
 * with 1.0-sized structs, printing one "key: value" line per thing it saw,
 * so that ABIGrowthTests can assert that the plugin worked against a 1.0
 * host.
 *
 *     old_host LIBRARY CONFIG_JSON
 *
 * Every host-owned out struct is followed by guard bytes: a plugin that
 * wrote past the struct_size it was given would change them.
 */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manta/manta.h"

#if MANTA_ABI_MINOR != 0
#error "old_host.c must be compiled against the frozen ABI 1.0 headers"
#endif

#define GUARD 64
#define GUARD_BYTE 0xAB

static int64_t clock_ms = 1657980000000; /* 2022-07-17T00:00:00+10:00 */
static int64_t callback_delay = -1;
static uint32_t samples_seen;
static double last_soc = NAN;
static uint32_t link_calls, errors;

static const char *const points[] = {"", "ac.w", "battery.soc", "energy.export_wh", "energy.import_wh"};

static void host_log(const manta_host_t *h, int32_t level, manta_str_t m) {
    (void)h;
    printf("log: %d %.*s\n", level, (int)m.len, m.ptr);
}

static void host_report_error(const manta_host_t *h, int32_t code, manta_str_t m) {
    (void)h;
    errors++;
    printf("report_error: %d %.*s\n", code, (int)m.len, m.ptr);
}

static int64_t host_now(const manta_host_t *h) { (void)h; return clock_ms; }

static void host_request_callback(const manta_host_t *h, int64_t delay) { (void)h; callback_delay = delay; }

static int32_t host_publish_samples(const manta_host_t *h, const manta_sample_t *s, uint32_t count) {
    (void)h;
    samples_seen += count;
    for (uint32_t i = 0; i < count; i++) {
        if (s[i].device == 0 && s[i].point == 2) last_soc = s[i].value;
    }
    return MANTA_OK;
}

static uint32_t host_point_id(const manta_host_t *h, manta_str_t name) {
    (void)h;
    for (uint32_t i = 1; i < sizeof points / sizeof points[0]; i++) {
        if (strlen(points[i]) == name.len && memcmp(points[i], name.ptr, name.len) == 0) return i;
    }
    return 0;
}

static int32_t host_publish_prices(const manta_host_t *h, const manta_price_t *p, uint32_t count, uint32_t stride) {
    (void)h; (void)p; (void)stride;
    printf("publish_prices: %u\n", count);
    return MANTA_OK;
}

static int32_t host_set_link_state(const manta_host_t *h, uint32_t device, int32_t state, manta_str_t reason) {
    (void)h; (void)device; (void)state; (void)reason;
    link_calls++;
    return MANTA_OK;
}

static const manta_host_market_t market_ext = {sizeof(manta_host_market_t), 0, host_publish_prices};
static const manta_host_devices_t devices_ext = {sizeof(manta_host_devices_t), 0, host_set_link_state};

static const void *host_get_extension(const manta_host_t *h, const char *id) {
    (void)h;
    if (strcmp(id, MANTA_HOST_MARKET_ID) == 0) return &market_ext;
    if (strcmp(id, MANTA_HOST_DEVICES_ID) == 0) return &devices_ext;
    return NULL;
}

/* A zeroed out struct of `size` bytes followed by guard bytes. */
static void *guarded(size_t size) {
    unsigned char *p = calloc(1, size + GUARD);
    memset(p + size, GUARD_BYTE, GUARD);
    return p;
}

static int guard_intact(const void *p, size_t size) {
    const unsigned char *g = (const unsigned char *)p + size;
    for (int i = 0; i < GUARD; i++) {
        if (g[i] != GUARD_BYTE) return 0;
    }
    return 1;
}

static int guards_broken;

static void apply(const manta_driver_t *d, manta_instance_t *inst, uint32_t device, int32_t mode, double value,
                  const char *label) {
    manta_setpoint_t sp = {sizeof(manta_setpoint_t), device, mode, 0, 1000 + device, value, clock_ms,
                           clock_ms + 600000};
    manta_setpoint_result_t *r = guarded(sizeof *r);
    r->struct_size = sizeof *r;
    int32_t rc = d->apply_setpoint(inst, &sp, r);
    if (!guard_intact(r, sizeof *r)) guards_broken++;
    printf("setpoint %s: rc=%d outcome=%d applied=%.1f message=%s\n", label, rc, r->outcome, r->applied_value,
           r->message);
    free(r);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: old_host LIBRARY CONFIG_JSON\n");
        return 2;
    }
    void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        printf("dlopen: %s\n", dlerror());
        return 1;
    }
    manta_module_entry_fn entry = (manta_module_entry_fn)dlsym(lib, MANTA_MODULE_ENTRY_SYMBOL);
    if (!entry) return printf("entry: missing\n"), 1;
    const manta_module_t *m = entry(MANTA_ABI_MAJOR, MANTA_ABI_MINOR);
    if (!m) return printf("entry: declined ABI 1.0\n"), 1;
    printf("module: struct_size=%u abi=%u.%u min_host_minor=%u id=%.*s kind=%d\n", m->struct_size, m->abi_major,
           m->abi_minor, m->min_host_minor, (int)m->id.len, m->id.ptr, m->kind);
    if (m->struct_size < sizeof(manta_module_t)) return printf("module: table too small\n"), 1;
    if (m->abi_major != MANTA_ABI_MAJOR || m->min_host_minor > MANTA_ABI_MINOR) return printf("module: refused\n"), 1;
    const manta_driver_t *d = m->get_extension(MANTA_DRIVER_ID);
    if (!d || d->struct_size < sizeof(manta_driver_t)) return printf("driver: missing or too small\n"), 1;
    printf("driver: struct_size=%u (this host reads %zu)\n", d->struct_size, sizeof(manta_driver_t));

    printf("init: %d\n", m->init());

    manta_host_t host = {
        .struct_size = sizeof(manta_host_t),
        .abi_major = MANTA_ABI_MAJOR,
        .abi_minor = MANTA_ABI_MINOR,
        .host_name = MANTA_STR("old_host"),
        .host_version = MANTA_STR("1.0"),
        .instance_name = MANTA_STR("old"),
        .log = host_log,
        .report_error = host_report_error,
        .now_ms = host_now,
        .request_callback = host_request_callback,
        .publish_samples = host_publish_samples,
        .point_id = host_point_id,
        .get_extension = host_get_extension,
    };
    printf("host: struct_size=%u abi=1.0\n", host.struct_size);
    manta_str_t config = {argv[2], strlen(argv[2])};
    manta_instance_t *inst = m->create(&host, config);
    printf("create: %s\n", inst ? "ok" : "NULL");
    if (!inst) return 1;

    printf("start: %d\n", m->start(inst));
    printf("after start: samples=%u callback_delay=%lld soc=%.4f\n", samples_seen, (long long)callback_delay, last_soc);

    uint32_t count = d->device_count(inst);
    printf("device_count: %u\n", count);
    for (uint32_t i = 0; i < count; i++) {
        manta_device_info_t *info = guarded(sizeof *info);
        info->struct_size = sizeof *info;
        int32_t rc = d->device_info(inst, i, info);
        if (!guard_intact(info, sizeof *info)) guards_broken++;
        if (i < 2) {
            printf("device %u: rc=%d struct_size=%u kind=%d key=%.*s site=%.*s max_discharge=%.0f capacity=%.0f flags=%u\n",
                   i, rc, info->struct_size, info->kind, (int)info->key.len, info->key.ptr, (int)info->site.len,
                   info->site.ptr, info->max_discharge_w, info->capacity_wh, info->flags);
        }
        free(info);
    }

    double soc_before = last_soc;
    apply(d, inst, 0, MANTA_SETPOINT_ACTIVE_POWER, -2000, "charge");
    apply(d, inst, 1, MANTA_SETPOINT_EXPORT_LIMIT, 0, "pv-limit");
    apply(d, inst, count, MANTA_SETPOINT_ACTIVE_POWER, 0, "no-device");
    apply(d, inst, 2, MANTA_SETPOINT_ACTIVE_POWER, 99999, "clamped");

    /* Ten minutes of callbacks, a minute apart: the charge shows in the SOC. */
    for (int i = 0; i < 10; i++) {
        clock_ms += 60000;
        m->on_callback(inst);
    }
    printf("after callbacks: samples=%u soc_before=%.4f soc_after=%.4f\n", samples_seen, soc_before, last_soc);

    m->stop(inst);
    printf("stop: ok\n");
    m->destroy(inst);
    printf("destroy: ok\n");
    m->deinit();
    printf("deinit: ok\n");
    printf("guards: %s\n", guards_broken ? "broken" : "intact");
    printf("link_state calls: %u, errors: %u\n", link_calls, errors);
    return 0;
}
