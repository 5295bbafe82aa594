/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Waiting for a container's state (sysc-wait): state_read() polled, so it
 * works without the monitor too. */
#pragma once

#include <stdbool.h>

struct sysc_paths;

struct wait_opts {
	unsigned states; /* 1u << enum sysc_state for each state that ends the wait */
	double timeout;	 /* seconds, counted once for the whole wait; < 0: forever */
	bool booted; /* wait for RUNNING (states is ignored), then for a systemd init's manager */
};

/* Wait until container name (it must exist and its config be valid) is in
 * one of o->states; -ETIMEDOUT after o->timeout. With o->booted, once it
 * runs and its init is systemd, also wait until systemd's private socket
 * exists; *ret_systemd (may be NULL) then says so: the caller asks that
 * systemd for its verdict (`systemctl is-system-running --wait` in the
 * container: sysc-wait execs sysc-attach for it). Logs its errors. */
int wait_container(const struct sysc_paths *p, const char *name, const struct wait_opts *o,
		   bool *ret_systemd);
