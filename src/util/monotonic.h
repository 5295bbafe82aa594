/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The monotonic clock: for deadlines and durations (never the wall clock,
 * which can jump). Both count from the same unspecified start (e.g. boot). */
#pragma once

#include <stdint.h>

/* Milliseconds of CLOCK_MONOTONIC: deadlines and timeouts. */
int64_t monotonic_ms(void);
/* Microseconds of CLOCK_MONOTONIC: durations that are shown or sampled,
 * e.g. "(monotonic_us() - t0) / 1e6" seconds. */
int64_t monotonic_us(void);
