/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The monotonic clock in milliseconds: for deadlines and durations (never
 * the wall clock, which can jump). */
#pragma once

#include <stdint.h>

/* Milliseconds of CLOCK_MONOTONIC (since an unspecified start, e.g. boot). */
int64_t monotonic_ms(void);
