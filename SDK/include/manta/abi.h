/*
 * manta/abi.h -- versions, strings, status codes and the rules every other
 * header follows.
 *
 * This is the Manta VPP plugin ABI, generation 1. It is plain C99 so that a
 * plugin can be written in C, C++, Swift, Rust or anything with a C FFI.
 *
 * Rules (they are what keeps the ABI stable; please read them once):
 *
 *  1. A module exports exactly one symbol, `manta_module_entry_v1` (module.h).
 *     Everything else is reached through tables it returns.
 *  2. Versions are negotiated both ways: the host tells the module its ABI
 *     major/minor; the module states the ABI it was built with and the lowest
 *     host minor it needs. The majors must be equal.
 *  3. Every struct that may grow starts with `uint32_t struct_size`, set by
 *     whoever fills the struct. Fields are only ever appended. A reader checks
 *     `struct_size` (see MANTA_HAS_FIELD) before touching a field that came
 *     after version 1.0. Reserved fields are written as zero and ignored.
 *  4. Optional capabilities are extensions found by a versioned string id
 *     ("manta.driver/1"). NULL means "not supported". An id, once published,
 *     never changes meaning; a breaking change gets a new id.
 *  5. Only fixed-width integers, double, opaque handles, fixed char arrays and
 *     (pointer, length) UTF-8 strings. Enumerations are int32_t with #define'd
 *     values that are never reused. No unions, bitfields or varargs.
 *  6. Ownership is stated for every pointer. "Borrowed" data is valid for the
 *     duration of the call only: copy what you keep. Whoever allocates frees.
 *  7. Every function is tagged with the thread it may be called on:
 *       [host]    a host control thread (never the host's event loop). The
 *                 host never makes two [host] calls into one module at once.
 *       [worker]  the instance's own worker thread. Calls into one instance
 *                 are serialised; different instances run in parallel.
 *       [any]     any thread, concurrently. Host functions tagged [any] never
 *                 block: they copy their arguments and enqueue.
 *  8. Configuration arrives as a JSON string that the host has already
 *     validated against the schema in the plugin's manifest, with schema
 *     defaults filled in. Hot paths (samples, decisions) use C structs keyed
 *     by small integer ids.
 *  9. Nothing in the ABI is shared mutable memory, so the same module can run
 *     in the host process or in a separate runner process.
 *
 * Units and signs, everywhere: power in W, energy in Wh, prices in AUD/MWh,
 * time in int64 milliseconds since the Unix epoch (UTC). Power is positive
 * when it flows out of the device toward the grid (generation, discharge,
 * export) and negative when it flows into the device (charge, import). State
 * of charge is a fraction 0..1.
 */
#ifndef MANTA_ABI_H
#define MANTA_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The ABI generation these headers describe. A host accepts a module when the
 * majors are equal and the host's minor is >= the module's min_host_minor. */
#define MANTA_ABI_MAJOR 1
#define MANTA_ABI_MINOR 5

/* Marks the one symbol a module exports. Build modules with
 * -fvisibility=hidden so that nothing else leaks. */
#if defined(_WIN32)
#define MANTA_EXPORT __declspec(dllexport)
#else
#define MANTA_EXPORT __attribute__((visibility("default")))
#endif

/* A UTF-8 string as (pointer, length). Not necessarily NUL-terminated.
 * `ptr` may be NULL only when `len` is 0. Ownership is stated wherever a
 * manta_str_t appears. */
typedef struct manta_str {
    const char *ptr;
    uint64_t len;
} manta_str_t;

/* A manta_str_t for a string literal: MANTA_STR("VIC1"). */
#define MANTA_STR(literal) ((manta_str_t){(literal), sizeof(literal) - 1})

/* True when the struct at `ptr` (of type `type`) was filled by someone who
 * knew about `field`: use before reading any field added after 1.0. */
#define MANTA_HAS_FIELD(ptr, type, field)                                      \
    ((ptr)->struct_size >= offsetof(type, field) + sizeof(((type *)0)->field))

/* Reading and writing a struct that may have grown (rule 3).
 *
 * The two sides of a call may be built from different minors, so a struct
 * may be larger or smaller than the reader's own definition. A reader:
 *
 *  - refuses a struct whose struct_size is below its 1.0 size: every field
 *    of 1.0 is always there;
 *  - reads a field added after 1.0 only when MANTA_HAS_FIELD says it is
 *    there, and otherwise treats it as absent (NULL, 0 or NaN, as the field
 *    says):
 *        if (MANTA_HAS_FIELD(d, manta_driver_t, apply_setpoints) &&
 *            d->apply_setpoints) ... else one apply_setpoint per setpoint
 *  - never reads past struct_size: a host or kit copies
 *    min(struct_size, sizeof(type)) bytes into a zeroed struct of its own
 *    and reads that (a missing newer field then reads as 0 / NULL);
 *  - steps through arrays by the stride given beside them, never by its own
 *    sizeof, and reads each element as above.
 *
 * A writer into a struct the other side owns (device_info,
 * setpoint_result, decision, bid_result) writes only fields that fit within
 * the struct_size that side set, and leaves struct_size as it found it.
 * A struct the writer fills itself (tables, setpoints, observations, prices,
 * bids) carries the writer's own sizeof.
 *
 * Sizes at ABI 1.0 (LP64), the minimum a reader accepts:
 *
 *     manta_host_t 128           manta_module_t 120
 *     manta_host_market_t 16     manta_host_devices_t 16
 *     manta_driver_t 32          (MANTA_DRIVER_SIZE_1_0; 1.1 appends
 *                                 apply_setpoints: 40)
 *     manta_device_info_t 152    manta_setpoint_t 48 (1.3 appends
 *                                 full_response_hz: 56)
 *     manta_setpoint_result_t 144
 *     manta_strategy_t 16        manta_observation_t 112 (1.2 appends
 *                                 fcas_priced, reserved2, fcas: 200)
 *     manta_asset_state_t 88 (1.5 appends site .. import_cap_w: 144)
 *     manta_decision_t 144 (1.2 appends fcas_mw: 152)
 *     manta_market_t 24          manta_price_t 48 (1.2 appends
 *                                 fcas_priced, reserved, fcas: 136)
 *     manta_bid_t 56             manta_bid_result_t 152
 *
 * A struct that has not grown since 1.0 has its sizeof as its 1.0 size.
 * SDK/src/abi_layout.c pins every size and offset; a minor that appends a
 * field adds its pin there and its line above. manta_sample_t is frozen
 * (sample.h) and has no struct_size.
 */

/* Status codes returned by int32_t functions. 0 is success, negative is
 * failure. Values are never reused. */
#define MANTA_OK 0
#define MANTA_ERR_INVALID -1     /* an argument or input was not acceptable */
#define MANTA_ERR_UNSUPPORTED -2 /* the request is valid but not supported */
#define MANTA_ERR_STATE -3       /* not allowed in the current lifecycle state */
#define MANTA_ERR_IO -4          /* device, file or network failure */
#define MANTA_ERR_TIMEOUT -5     /* an operation ran out of time */
#define MANTA_ERR_CONFIG -6      /* configuration rejected */
#define MANTA_ERR_VERSION -7     /* version negotiation failed */
#define MANTA_ERR_INTERNAL -8    /* a bug; the message says where */
#define MANTA_ERR_BUSY -9        /* try again later */

/* Log levels for manta_host_t.log. */
#define MANTA_LOG_DEBUG 10
#define MANTA_LOG_INFO 20
#define MANTA_LOG_WARN 30
#define MANTA_LOG_ERROR 40

/* Plugin kinds. A module states its primary kind; the host cross-checks it
 * against the manifest and looks up the matching extension. */
#define MANTA_KIND_DRIVER 1   /* extension "manta.driver/1"   (driver.h)   */
#define MANTA_KIND_STRATEGY 2 /* extension "manta.strategy/1" (strategy.h) */
#define MANTA_KIND_MARKET 3   /* extension "manta.market/1"   (market.h)   */

/* Fixed size of the message buffers embedded in result structs. */
#define MANTA_MESSAGE_SIZE 128

#ifdef __cplusplus
}
#endif

#endif /* MANTA_ABI_H */
