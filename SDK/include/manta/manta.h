/*
 * manta/manta.h -- the whole Manta VPP plugin SDK, ABI generation 1.
 *
 * Start with abi.h (the rules), then module.h (entry and lifecycle) and
 * host.h (what the host offers). driver.h, strategy.h and market.h are the
 * three plugin kinds.
 */
#ifndef MANTA_MANTA_H
#define MANTA_MANTA_H

#include "abi.h"
#include "sample.h"
#include "host.h"
#include "module.h"
#include "driver.h"
#include "strategy.h"
#include "market.h"
#include "discovery.h"

#endif /* MANTA_MANTA_H */
