/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Container states, read without talking to the monitor: the monitor keeps
 * <run>/<key>/state up to date (atomically replaced key=value lines). When
 * the monitor is gone, the state is judged from the recorded init pid and its
 * start time, so a container whose monitor was killed still shows RUNNING.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct sysc_paths;

enum sysc_state {
	STATE_STOPPED,
	STATE_STARTING,
	STATE_RUNNING,
	STATE_STOPPING,
	STATE_ABORTING,
	STATE_FROZEN,
	_STATE_MAX,
};

struct state_info {
	enum sysc_state state;
	pid_t init_pid;	     /* host pid of the container's init, 0 if none */
	uint64_t init_start; /* its start time (clock ticks since boot) */
	pid_t monitor_pid;   /* 0 if none */
	uint64_t monitor_start;
	bool monitor_alive;
	int64_t started; /* wall-clock seconds when init was started */
	bool stale;	 /* runtime files exist but nothing runs */
};

const char *state_name(enum sysc_state s);
/* Parse "RUNNING" (case-insensitive); -EINVAL if unknown. */
int state_parse(const char *s, enum sysc_state *ret);

/* Write the state file (monitor side). */
/* store: the store's canonical path, checked by state_read() */
int state_write(const char *run_dir, const char *store, const struct state_info *info);
/* Read a container's state; STOPPED when there is no runtime state. */
int state_read(const struct sysc_paths *p, const char *name, struct state_info *ret);
/* The same without asking the cgroup whether it is frozen (RUNNING then
 * may be FROZEN): for a caller that opens the cgroup anyway (attach). */
int state_read_runtime(const struct sysc_paths *p, const char *name, struct state_info *ret);
/* Start time of a process from /proc/PID/stat; 0 if it does not exist or is a zombie. */
uint64_t state_proc_starttime(pid_t pid);
