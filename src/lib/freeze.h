/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Freezing a container: its cgroups are frozen (v2 cgroup.freeze and the v1
 * freezer of hybrid hosts). FROZEN is read back from the cgroup by
 * state_read(), so it stays right without (or after the death of) the monitor. */
#pragma once

#include <stdbool.h>

struct sysc_paths;

/* Freeze (true) or thaw (false) a running container; logs. Freezing a frozen
 * or thawing a running container is a no-op. */
int freeze_container(const struct sysc_paths *p, const char *name, bool frozen);
