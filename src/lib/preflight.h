/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Host limits a container's start would run into (issue 20: 200 containers on
 * one host). Checked by sysc-start before the monitor is forked, so that a
 * start either has what an idle systemd inside needs or fails naming the
 * sysctl to raise and a value, instead of a systemd inside that silently
 * degrades (units failing with EMFILE on inotify_init, no getty on a pty...).
 *
 * None of these limits is per container: inotify instances are counted per
 * user of the user namespace that made the container's (root for sysc), ptys
 * and pids per host. sysc raises none of them itself. */

#include <stdbool.h>

struct sysc_conf;

/* inotify instances an idle Debian 12 container takes (measured: systemd 5,
 * dbus 1, logind 1, one agetty per console and tty: 12 with 4 ttys), plus
 * room for the units that start and stop during boot */
#define PREFLIGHT_INOTIFY_BASE 8U
/* pids (tasks) kept for one container's boot: an idle one has ~10, its boot
 * runs a few dozen short-lived ones */
#define PREFLIGHT_PIDS 64U
/* the probe takes at most this many (a container with many ttys) */
#define PREFLIGHT_INOTIFY_MAX 64U

struct preflight_need {
	const char *name; /* the container, for messages */
	unsigned inotify; /* instances */
	unsigned ptys;	  /* console and ttys */
	unsigned pids;	  /* tasks */
};

/* What a container of this config needs of each limit. */
void preflight_need_of(const struct sysc_conf *c, struct preflight_need *ret);

/* Probe: can the caller's user take n more inotify instances right now (the
 * same count the container's processes are charged to)? Opens and closes
 * them. 0 or -EMFILE/-errno, nothing logged. */
int preflight_inotify_free(unsigned n);

/* Every check, reading sysctls under sysctl_root (normally "/proc/sys") and
 * the task count from loadavg (normally "/proc/loadavg"). Logs what to raise
 * and returns -EMFILE/-EAGAIN/-ENOSPC when a limit is too low, 0 otherwise. */
int preflight_check(const char *sysctl_root, const char *loadavg,
		    const struct preflight_need *need);

/* preflight_check() against the running host. */
int preflight_host(const struct sysc_conf *c);
