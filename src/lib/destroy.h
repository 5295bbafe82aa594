/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

struct sysc_paths;

/* Remove a stopped container: its store entry first disappears atomically
 * (renamed to a hidden work name), then its rootfs and files are removed. */
int destroy_container(const struct sysc_paths *p, const char *name, bool force);
