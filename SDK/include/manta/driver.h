/*
 * manta/driver.h -- extension "manta.driver/1": device drivers.
 *
 * A driver serves a set of devices (a simulator, a Modbus inverter, a
 * vendor cloud). It describes them, publishes their telemetry through
 * manta_host_t.publish_samples, and applies control setpoints.
 *
 * Devices are numbered 0 .. device_count-1 within the instance; that index is
 * what samples and setpoints carry. The host gives each device a global id
 * "<instance name>/<key>", so a key must be stable across restarts.
 */
#ifndef MANTA_DRIVER_H
#define MANTA_DRIVER_H

#include "module.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MANTA_DRIVER_ID "manta.driver/1"

/* Device kinds. */
#define MANTA_DEVICE_PV_INVERTER 1
#define MANTA_DEVICE_BATTERY 2
#define MANTA_DEVICE_HYBRID_INVERTER 3
#define MANTA_DEVICE_METER 4
#define MANTA_DEVICE_EV_CHARGER 5
#define MANTA_DEVICE_LOAD 6

/* Device flags (manta_device_info_t.flags). */
#define MANTA_DEVICE_F_CONTROLLABLE 0x1u /* accepts setpoints */
#define MANTA_DEVICE_F_READ_ONLY 0x2u    /* must never be written */
/* ABI 1.3: the device has a local frequency controller and takes
 * MANTA_SETPOINT_RAISE_RESPONSE and MANTA_SETPOINT_LOWER_RESPONSE. A host
 * enables contingency FCAS only on devices that set it. */
#define MANTA_DEVICE_F_FREQUENCY_RESPONSE 0x4u

/* What a driver says about one of its devices. The host sets struct_size to
 * the size it knows and zero-fills the rest; the driver writes only fields
 * that fit within struct_size. Doubles it does not know are set to NaN.
 * Limits are magnitudes (>= 0) in W; their sign is given by the name. */
typedef struct manta_device_info {
    uint32_t struct_size;
    int32_t kind; /* MANTA_DEVICE_* */

    /* Strings are owned by the driver and need only stay valid until the
     * next call into the same instance; the host copies them. */
    manta_str_t key;          /* unique in the instance, stable: "home-007.battery" */
    manta_str_t site;         /* the site the device belongs to: "home-007" */
    manta_str_t manufacturer; /* SunSpec common model Mn */
    manta_str_t model;        /* SunSpec common model Md */
    manta_str_t serial;       /* SunSpec common model SN */

    double rated_power_w;   /* nameplate AC power (WRtg) */
    double max_charge_w;    /* largest power into the device; 0 if none */
    double max_discharge_w; /* largest power out of the device */
    double capacity_wh;     /* usable energy (WHRtg); NaN if not storage */
    double soc_min;         /* lowest state of charge to operate at, 0..1 */
    double soc_max;         /* highest state of charge to operate at, 0..1 */
    double round_trip_efficiency; /* 0..1, NaN if unknown */

    uint32_t flags; /* MANTA_DEVICE_F_* */
    uint32_t reserved0;
} manta_device_info_t;

/* Setpoint modes. */
#define MANTA_SETPOINT_ACTIVE_POWER 1 /* value: target W at the device's
                                         connection point, + = discharge/export */
#define MANTA_SETPOINT_EXPORT_LIMIT 2 /* value: largest export in W, >= 0 */

/* ABI 1.3: frequency response, for devices with
 * MANTA_DEVICE_F_FREQUENCY_RESPONSE (others reject them). The device's own
 * controller answers the grid frequency it measures, in milliseconds,
 * without the host: the host only says how much, for how long.
 *
 * RAISE_RESPONSE -- value: W (>= 0) the device adds to its output (more
 *   discharge or less charge) at full response. Below the normal operating
 *   band's floor, 49.85 Hz, the response is proportional to the deviation
 *   and reaches `value` at 50 - full_response_hz; it lasts as long as the
 *   frequency stays low, as far as the state of charge and the ratings allow.
 * LOWER_RESPONSE -- the same above the band's ceiling, 50.15 Hz: `value` W
 *   taken off the output (less discharge or more charge), full at
 *   50 + full_response_hz.
 *
 * The response is added to whatever ACTIVE_POWER setpoint is in force; the
 * validity window works as for any setpoint (after valid_until the device
 * stops responding); value 0 switches the response off. */
#define MANTA_SETPOINT_RAISE_RESPONSE 3
#define MANTA_SETPOINT_LOWER_RESPONSE 4

/* One control command. Owned by the host, borrowed by the driver. */
typedef struct manta_setpoint {
    uint32_t struct_size;
    uint32_t device; /* device index */
    int32_t mode;    /* MANTA_SETPOINT_* */
    uint32_t reserved0;
    uint64_t command_id; /* unique per host; quote it in log lines */
    double value;
    /* Validity window on the host clock. Before valid_from the device keeps
     * its previous behaviour; after valid_until, with no newer setpoint, it
     * reverts to its own default (for a battery: idle or self-consumption).
     * This is what makes a lost host safe. */
    int64_t valid_from_ms;
    int64_t valid_until_ms;

    /* ---- ABI 1.3 ---- read only when MANTA_HAS_FIELD(setpoint,
     * manta_setpoint_t, full_response_hz). */

    /* For RAISE_RESPONSE and LOWER_RESPONSE: the deviation from 50 Hz, in
     * Hz (> 0.15), at which the response is full (the droop). 0 or NaN, or
     * absent: the device's own setting. Ignored by other modes. */
    double full_response_hz;
} manta_setpoint_t;

/* Outcomes of a setpoint. */
#define MANTA_OUTCOME_APPLIED 1  /* the device took the value as given */
#define MANTA_OUTCOME_CLAMPED 2  /* the device took a smaller magnitude */
#define MANTA_OUTCOME_REJECTED 3 /* refused (read-only, bad mode, bad value) */
#define MANTA_OUTCOME_FAILED 4   /* tried and failed (I/O, timeout) */

/* What happened to a setpoint. The host sets struct_size and zero-fills. */
typedef struct manta_setpoint_result {
    uint32_t struct_size;
    int32_t outcome; /* MANTA_OUTCOME_* */
    /* The value in force after the call, read back from the device where the
     * device allows it. */
    double applied_value;
    /* NUL-terminated detail for the operator; may be empty. */
    char message[MANTA_MESSAGE_SIZE];
} manta_setpoint_result_t;

typedef struct manta_driver {
    uint32_t struct_size;
    uint32_t reserved0;

    /* [worker] Number of devices served. Valid any time after create(); the
     * host reads it after create() and after each start(). */
    uint32_t (*device_count)(manta_instance_t *instance);

    /* [worker] Describe device `index` (< device_count) into `out`, which is
     * owned by the host. Valid any time after create(). Returns MANTA_OK or
     * MANTA_ERR_INVALID for a bad index. */
    int32_t (*device_info)(manta_instance_t *instance, uint32_t index,
                           manta_device_info_t *out);

    /* [worker] Apply one setpoint and report the outcome in `out` (owned by
     * the host). Only while started. May block on device I/O for as long as
     * the driver's own timeouts allow. Returns MANTA_OK when `out` is filled
     * in (whatever the outcome), or an error code when it could not be. */
    int32_t (*apply_setpoint)(manta_instance_t *instance,
                              const manta_setpoint_t *setpoint,
                              manta_setpoint_result_t *out);

    /* ---- ABI 1.1 ---- read only when MANTA_HAS_FIELD(table,
     * manta_driver_t, apply_setpoints). */

    /* [worker, started] Apply `count` setpoints in one call, in array order:
     * a later setpoint for a device replaces an earlier one, exactly as if
     * each had been given to apply_setpoint alone. Optional: NULL means "not
     * supported", and a host that finds it NULL, or finds a table whose
     * struct_size predates 1.1, calls apply_setpoint once per setpoint
     * instead. A driver that offers it still offers apply_setpoint.
     *
     * setpoints: owned by the host, borrowed for the duration of the call.
     *   Element i is at (const char *)setpoints + i * stride; stride is at
     *   least the 1.0 sizeof(manta_setpoint_t) and each element carries its
     *   own struct_size (read it as rule 3 says).
     * results: owned by the host, `count` elements stepped by
     *   result_stride. The host sets each struct_size and zero-fills the
     *   rest; the driver writes only fields within that struct_size, one
     *   result per setpoint at the same index. An outcome left 0 means "not
     *   filled in".
     * Both pointers may be NULL when count is 0. Nothing is kept after the
     * call returns: copy what you need.
     *
     * May block on device I/O, for the whole batch, as long as the driver's
     * own timeouts allow. Returns MANTA_OK when every result is filled in
     * (whatever its outcome), or an error code when some could not be: the
     * host then counts each result whose outcome is still 0 as failed and
     * keeps the others. */
    int32_t (*apply_setpoints)(manta_instance_t *instance,
                               const manta_setpoint_t *setpoints,
                               uint32_t count, uint32_t stride,
                               manta_setpoint_result_t *results,
                               uint32_t result_stride);
} manta_driver_t;

/* The size of manta_driver_t at ABI 1.0, before apply_setpoints: the
 * smallest driver table a host accepts. */
#define MANTA_DRIVER_SIZE_1_0 offsetof(manta_driver_t, apply_setpoints)

/* Host extension "manta.host.devices/1": drivers that know whether they can
 * reach a device say so, with the reason, so that the operator sees why a
 * device is silent and dispatch leaves it out. Found with
 * manta_host_t.get_extension(host, MANTA_HOST_DEVICES_ID); NULL from a host
 * that does not offer it (report_error() is the fallback). */
#define MANTA_HOST_DEVICES_ID "manta.host.devices/1"

/* Link states of a device. */
#define MANTA_LINK_ONLINE 1  /* the driver is talking to the device */
#define MANTA_LINK_OFFLINE 2 /* it cannot: unreachable, silent, or answering nonsense */

typedef struct manta_host_devices {
    uint32_t struct_size;
    uint32_t reserved0;

    /* [any] Device `device` (the driver's index) is now in `state`
     * (MANTA_LINK_*), for `reason` ("connect: 10.0.0.7:502: connection
     * refused"; borrowed, may be empty when online). The host records each
     * change once (an event, and the device's status in devices.list) and
     * leaves an offline device out of dispatch until it is online again;
     * repeating the current state and reason costs nothing. Returns MANTA_OK,
     * or MANTA_ERR_INVALID for a bad index or state. */
    int32_t (*set_link_state)(const manta_host_t *host, uint32_t device,
                              int32_t state, manta_str_t reason);
} manta_host_devices_t;

#ifdef __cplusplus
}
#endif

#endif /* MANTA_DRIVER_H */
