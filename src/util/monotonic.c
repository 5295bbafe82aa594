/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "util/monotonic.h"

#include <time.h>

static struct timespec now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts;
}

int64_t monotonic_ms(void)
{
	struct timespec ts = now();

	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t monotonic_us(void)
{
	struct timespec ts = now();

	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
