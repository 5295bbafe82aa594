/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

struct sysc_paths;

struct stop_opts {
	int timeout; /* seconds before SIGKILL; <= 0: the config's init.stop_timeout */
	bool kill;   /* SIGKILL now */
	bool reboot; /* reboot instead of stopping */
};

/* Stop (or reboot) a running container and return when it is stopped and
 * cleaned up (or, for reboot, RUNNING again). Works through the monitor,
 * or directly from the runtime state when the monitor is gone. */
int stop_container(const struct sysc_paths *p, const char *name, const struct stop_opts *o);

/* Remove the leftovers of a container whose monitor and init are gone
 * (cgroups, network, runtime dir). Returns 0 or -errno (logged). */
int stop_cleanup_stale(const struct sysc_paths *p, const char *name);
