/*
 * manta/sample.h -- one telemetry measurement, the unit of the hot path.
 */
#ifndef MANTA_SAMPLE_H
#define MANTA_SAMPLE_H

#include "abi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Quality of a sample. A driver states what it knows; the host may only
 * downgrade it (a value out of the point's physical range, or not finite,
 * is stored as MANTA_QUALITY_INVALID, never as good). */
#define MANTA_QUALITY_GOOD 0      /* measured by the device */
#define MANTA_QUALITY_ESTIMATED 1 /* derived or modelled, not measured */
#define MANTA_QUALITY_STALE 2     /* the device repeated an old reading */
#define MANTA_QUALITY_INVALID 3   /* not usable; kept for the record */

/* One measurement of one catalog point of one device.
 *
 * This struct is FROZEN: it is an array element on the hottest path and has
 * no struct_size. It will never change; a new layout would come with a new
 * publish function under a new extension id.
 *
 * `device` is the driver-local device index, 0 .. device_count-1 (driver.h).
 * `point` is a catalog point id from manta_host_t.point_id(). `time_ms` is the
 * measurement time on the host clock (manta_host_t.now_ms); 0 means "now, as
 * the host receives it". */
typedef struct manta_sample {
    uint32_t device;
    uint32_t point;
    int64_t time_ms;
    double value;
    int32_t quality; /* MANTA_QUALITY_* */
    uint32_t reserved; /* zero */
} manta_sample_t;

#ifdef __cplusplus
}
#endif

#endif /* MANTA_SAMPLE_H */
