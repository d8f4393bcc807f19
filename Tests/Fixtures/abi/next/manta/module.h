/*
 * manta/module.h -- the entry point, version negotiation and the instance
 * lifecycle.
 *
 * Loading. The host opens the shared library with RTLD_NOW | RTLD_LOCAL and
 * never unloads it (RTLD_NODELETE): code such as the Swift runtime cannot be
 * unloaded safely. It looks up the single exported symbol
 * MANTA_MODULE_ENTRY_SYMBOL and calls it with its own ABI version.
 *
 * Lifecycle of a module:
 *
 *     entry -> init -> (instances ...) -> deinit
 *
 * Lifecycle of an instance (every call on the instance's worker thread):
 *
 *     create -> start <-> stop -> destroy
 *
 * start and stop may alternate any number of times. on_callback and the
 * kind-specific calls (driver.h, strategy.h, market.h) arrive only between
 * start and stop, except where a function says otherwise. No call into an
 * instance arrives after stop() has returned until the next start(), and
 * none at all after destroy().
 */
#ifndef MANTA_MODULE_H
#define MANTA_MODULE_H

#include "abi.h"
#include "host.h"

#ifdef __cplusplus
extern "C" {
#endif

/* An instance of a plugin: opaque to the host, created by the module. */
typedef struct manta_instance manta_instance_t;

typedef struct manta_module manta_module_t;

struct manta_module {
    uint32_t struct_size;

    /* The ABI the module was built against (MANTA_ABI_MAJOR/MINOR of its
     * headers) and the lowest host ABI minor it can run on. */
    uint32_t abi_major;
    uint32_t abi_minor;
    uint32_t min_host_minor;

    /* Identity, cross-checked against the sidecar manifest: the host refuses
     * the module when they disagree. Owned by the module, static lifetime.
     * id: reverse-DNS style, e.g. "manta.sim". version: semantic, "0.1.0". */
    manta_str_t id;
    manta_str_t version;

    /* MANTA_KIND_* of the module's primary capability. */
    int32_t kind;
    uint32_t reserved0;

    /* [host] Prepare module-wide state. Called before the first create().
     * The host may call init more than once (several hosts in one process,
     * or a validator); each successful init is matched by one deinit, so the
     * module keeps a count and sets up on the first, tears down on the last.
     * Returns MANTA_OK, or an error code: the host then refuses the module
     * and never calls create() or deinit(). */
    int32_t (*init)(void);

    /* [host] Undo init. Called after the last instance has been destroyed. */
    void (*deinit)(void);

    /* [worker] Create an instance. `host` is owned by the host and valid
     * until destroy() returns. `config_json` is borrowed: a JSON object,
     * already validated against the manifest's config schema with defaults
     * filled in. On failure return NULL after host->report_error() saying
     * what was wrong (name the config field where one is to blame). */
    manta_instance_t *(*create)(const manta_host_t *host,
                                manta_str_t config_json);

    /* [worker] Begin work: open devices, files or sockets; request the first
     * callback. Returns MANTA_OK, or an error code after report_error(); the
     * instance then stays stopped and may be started again or destroyed. */
    int32_t (*start)(manta_instance_t *instance);

    /* [worker] Stop work. After it returns, the plugin makes no more host
     * calls for this instance and no callback is pending. */
    void (*stop)(manta_instance_t *instance);

    /* [worker] Free the instance. Called when stopped (or never started). */
    void (*destroy)(manta_instance_t *instance);

    /* [worker] The callback requested with host->request_callback(). */
    void (*on_callback)(manta_instance_t *instance);

    /* [any] An extension table by id (MANTA_DRIVER_ID, MANTA_STRATEGY_ID,
     * MANTA_MARKET_ID, ...) or NULL if the module does not implement it.
     * The table is owned by the module, static lifetime; its functions take
     * the instance as their first argument. */
    const void *(*get_extension)(const char *id);
    uint64_t next_field; /* appended by the next minor (test headers only) */
};

/* The entry point, the only symbol a module exports:
 *
 *     MANTA_EXPORT const manta_module_t *
 *     manta_module_entry_v1(uint32_t host_abi_major, uint32_t host_abi_minor);
 *
 * [host] Returns the module table (owned by the module, static lifetime), or
 * NULL when the module cannot work with this host version. The host still
 * checks abi_major == host major and min_host_minor <= host minor itself.
 * Must do nothing else: no threads, no I/O, no allocation that outlives the
 * call except the table. */
#define MANTA_MODULE_ENTRY_SYMBOL "manta_module_entry_v1"

typedef const manta_module_t *(*manta_module_entry_fn)(uint32_t host_abi_major,
                                                       uint32_t host_abi_minor);

#ifdef __cplusplus
}
#endif

#endif /* MANTA_MODULE_H */
