/*
 * abi_layout.c -- pins the ABI v1 layout at compile time.
 *
 * Every plugin and the host compile these headers independently. If an edit
 * moved a field, these assertions stop the build instead of letting two
 * binaries disagree silently at run time. Sizes are for LP64 (x86_64 and
 * aarch64 Linux); a new field is appended and its assertion added here,
 * keeping the struct's 1.0 size pinned too (the smallest a reader accepts;
 * abi.h lists them). Every size below is also its 1.0 size unless a comment
 * says the struct grew.
 */
#include "manta/manta.h"

/* 1.4 added constants only (the FCAS MANTA_SERVICE_* codes): no layout moved. */
_Static_assert(MANTA_ABI_MAJOR == 1 && MANTA_ABI_MINOR == 5, "these pins describe ABI 1.5");

#if UINTPTR_MAX == 0xffffffffffffffffu
#define PIN(type, size) _Static_assert(sizeof(type) == (size), #type " size changed")
#define AT(type, field, off)                                                   \
    _Static_assert(offsetof(type, field) == (off), #type "." #field " moved")

PIN(manta_str_t, 16);
PIN(manta_sample_t, 32);
AT(manta_sample_t, time_ms, 8);
AT(manta_sample_t, value, 16);
AT(manta_sample_t, quality, 24);

AT(manta_host_t, host_data, 16);
AT(manta_host_t, instance_name, 56);
AT(manta_host_t, log, 72);
AT(manta_host_t, get_extension, 120);
PIN(manta_host_t, 128);

AT(manta_module_t, id, 16);
AT(manta_module_t, kind, 48);
AT(manta_module_t, init, 56);
AT(manta_module_t, get_extension, 112);
PIN(manta_module_t, 120);

AT(manta_device_info_t, key, 8);
AT(manta_device_info_t, rated_power_w, 88);
AT(manta_device_info_t, flags, 144);
PIN(manta_device_info_t, 152);
AT(manta_setpoint_t, full_response_hz, 48); /* 1.3 grew it */
PIN(manta_setpoint_t, 56);
PIN(manta_setpoint_result_t, 144);
/* manta_driver_t was 32 bytes at 1.0; 1.1 appended apply_setpoints. */
_Static_assert(MANTA_DRIVER_SIZE_1_0 == 32, "manta_driver_t 1.0 size changed");
AT(manta_driver_t, apply_setpoint, 24);
AT(manta_driver_t, apply_setpoints, 32);
PIN(manta_driver_t, 40);

AT(manta_asset_state_t, soc, 24);
AT(manta_asset_state_t, site, 88); /* 1.5 grew it: 88 bytes at 1.0 */
AT(manta_asset_state_t, import_cap_w, 136);
PIN(manta_asset_state_t, 144);
AT(manta_observation_t, price, 72);
AT(manta_observation_t, assets, 96);
AT(manta_observation_t, fcas_priced, 112); /* 1.2 grew it */
AT(manta_observation_t, fcas, 120);
PIN(manta_observation_t, 200);
AT(manta_decision_t, fcas_mw, 144); /* 1.2 grew it */
PIN(manta_decision_t, 152);
PIN(manta_strategy_t, 16);

AT(manta_price_t, region, 16);
AT(manta_price_t, fcas_priced, 48); /* 1.2 grew it: MANTA_PRICE_SIZE_1_0 */
AT(manta_price_t, fcas, 56);
PIN(manta_price_t, 136);
PIN(manta_bid_t, 56);
PIN(manta_bid_result_t, 152);
PIN(manta_market_t, 24);
PIN(manta_host_market_t, 16);
PIN(manta_host_devices_t, 16);
AT(manta_host_devices_t, set_link_state, 8);
PIN(manta_discovery_t, 16);
AT(manta_discovery_t, scan, 8);
#endif

/* SwiftPM needs one translation unit per C target; this is it. */
