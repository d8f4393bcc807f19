/*
 * manta/host.h -- what the host offers a plugin instance.
 *
 * The host gives every instance its own manta_host_t at create(). The pointer
 * and everything it points to stay valid until destroy() returns. Pass it
 * back unchanged in every call: it is how the host knows who is calling.
 *
 * All host functions here are [any] and non-blocking: they copy what they are
 * given, enqueue it for the host's event loop and return. None of them calls
 * back into the plugin before returning.
 */
#ifndef MANTA_HOST_H
#define MANTA_HOST_H

#include "abi.h"
#include "sample.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct manta_host manta_host_t;

struct manta_host {
    uint32_t struct_size;

    /* The host's ABI version (it equals what was passed to the entry). */
    uint32_t abi_major;
    uint32_t abi_minor;
    uint32_t reserved0;

    /* Host-private; a plugin must not read or write it. */
    void *host_data;

    /* Host software name and version, e.g. "mantad", "0.1.0". Owned by the
     * host, valid for the lifetime of this manta_host_t. */
    manta_str_t host_name;
    manta_str_t host_version;

    /* The name the operator gave this instance in the host configuration,
     * e.g. "home-sim". Owned by the host, valid like host_name. */
    manta_str_t instance_name;

    /* [any] Write a log line attributed to this instance.
     * level: MANTA_LOG_*. message: borrowed, UTF-8, no trailing newline. */
    void (*log)(const manta_host_t *host, int32_t level, manta_str_t message);

    /* [any] Report a failure the operator should see: it is logged, recorded
     * as an event and counted against the instance in plugins.list. Report
     * then return the error code from the failing function; the host does not
     * stop the instance on its own account.
     * code: a MANTA_ERR_* value. message: borrowed. */
    void (*report_error)(const manta_host_t *host, int32_t code,
                         manta_str_t message);

    /* [any] The host clock, in ms since the Unix epoch (UTC). Under a replay
     * clock this runs from the configured start at the configured speed, so
     * plugins must use it (never the wall clock) for anything market- or
     * physics-related. */
    int64_t (*now_ms)(const manta_host_t *host);

    /* [any] Ask for one call to the module's on_callback(instance) on the
     * instance's worker thread, no earlier than `delay_ms` of host-clock time
     * from now. A later request replaces a pending one, so there is at most
     * one outstanding callback per instance. No callback arrives once stop()
     * has returned; requests made before start() are kept until start(). */
    void (*request_callback)(const manta_host_t *host, int64_t delay_ms);

    /* [any] Publish `count` telemetry samples (driver instances). `samples` is
     * borrowed. Returns MANTA_OK once the batch is queued; the host validates
     * each sample on its loop (unknown device or point: rejected and logged;
     * non-finite or out-of-range value: stored with MANTA_QUALITY_INVALID) and
     * commits accepted samples to storage in batches. Returns MANTA_ERR_BUSY
     * when the host's ingest queue is full: the batch was NOT taken. */
    int32_t (*publish_samples)(const manta_host_t *host,
                               const manta_sample_t *samples, uint32_t count);

    /* [any] The id of a point in the host's point catalog, or 0 if the name
     * is unknown. `name` is borrowed, e.g. "battery.soc". Ids are stable for
     * the lifetime of the host; look them up once at create() or start(). */
    uint32_t (*point_id)(const manta_host_t *host, manta_str_t name);

    /* [any] A host extension table by id (for example MANTA_HOST_MARKET_ID in
     * market.h), or NULL when the host does not offer it. The table is owned
     * by the host and valid for the lifetime of this manta_host_t. */
    const void *(*get_extension)(const manta_host_t *host, const char *id);
};

#ifdef __cplusplus
}
#endif

#endif /* MANTA_HOST_H */
