/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Live cgroup limits of a running container (`sysc-cgroup`): read and written
 * directly on its cgroup files, so they work whether or not its monitor lives.
 * Keys in cgroup v2 vocabulary ("memory.max" or "cgroup.memory.max"), values
 * validated exactly as in the config. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

struct sysc_paths;

/* Print the current value of KEY (v2 syntax) to out. */
int limits_get(const struct sysc_paths *p, const char *name, const char *key, FILE *out);
/* Set KEY on the running container; with save also in its config. A stopped
 * container with save: only the config is changed. Logs. */
int limits_set(const struct sysc_paths *p, const char *name, const char *key, const char *value,
	       bool save);
