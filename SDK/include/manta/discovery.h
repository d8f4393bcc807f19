/*
 * manta/discovery.h -- extension "manta.discovery/1": finding devices.
 *
 * A driver module that can find the devices it drives on a network (a
 * Modbus scanner, a vendor's cloud listing) offers this table from its
 * module-level get_extension(MANTA_DISCOVERY_ID). It needs no instance: the
 * host asks every driver module that offers it, so an operator can scan
 * before anything is configured, and the host never needs to know which
 * plugin does what.
 */
#ifndef MANTA_DISCOVERY_H
#define MANTA_DISCOVERY_H

#include "module.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MANTA_DISCOVERY_ID "manta.discovery/1"

/* Receives one device found, as a JSON object (borrowed, for the call
 * only) that says where it is and what it is, and carries a "config" member
 * the operator can paste into the driver's config, and a "plugin" member
 * naming the plugin id that drives it. Returns MANTA_OK to go on, anything
 * else to stop the scan.
 * [any] called on the thread that called scan(), inside scan(). */
typedef int32_t (*manta_discovery_sink_fn)(void *sink_ctx, manta_str_t found_json);

typedef struct manta_discovery {
    uint32_t struct_size;
    uint32_t reserved0;

    /* [any, may block] Scan what `request_json` (borrowed) asks for and hand
     * each device found to `sink`, in any order. The request is a JSON
     * object: "target" (an address or CIDR block), "ports" ("502",
     * "15020-15030"), "units" (Modbus unit ids, optional), "timeout_ms",
     * "concurrency", and "config": the validated config of a configured
     * instance of this module, or {} when there is none (a driver reads
     * from it what it scans with, e.g. its register templates).
     *
     * A scan waits on the network for as long as timeout_ms and the target
     * allow; the host calls it on a thread of its own, never on its loop or
     * an instance's worker, and at most one scan at a time per module.
     * The module may use threads of its own while scanning and must end
     * them before returning.
     *
     * Returns MANTA_OK (also when nothing was found), MANTA_ERR_INVALID for
     * a request it cannot make sense of, or another error code. On an error
     * it writes a NUL-terminated reason (name the request member at fault)
     * into `error`, which the host owns and which holds MANTA_MESSAGE_SIZE
     * bytes. */
    int32_t (*scan)(manta_str_t request_json, manta_discovery_sink_fn sink,
                    void *sink_ctx, char *error);
} manta_discovery_t;

#ifdef __cplusplus
}
#endif

#endif /* MANTA_DISCOVERY_H */
