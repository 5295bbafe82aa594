/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The per-container monitor (DESIGN.md §4): creates the cgroups, the console,
 * spawns init, serves the control socket, reaps init (a reboot inside
 * restarts the container), and cleans everything up at the end. */
#pragma once

#include <stdbool.h>

struct sysc_paths;
struct sysc_conf;

struct monitor_opts {
	const struct sysc_paths *paths;
	struct sysc_conf *conf;
	char *const *cmd; /* init command line (config's or `-- CMD`) */
	int ready_fd;	  /* write end: int32 0 once RUNNING, or -errno; -1 if none */
	bool foreground;  /* proxy the console to stdin/stdout */
};

/* Runs until the container is stopped and cleaned. Returns the exit status
 * for the process: 0 after a clean stop (foreground: init's status). */
int monitor_run(const struct monitor_opts *o);
/* `sysc monitor-resume KEY=VALUE...`: the monitor back from the static
 * supervisor (handoff.h), same pid; runs on as monitor_run() does. */
int monitor_resume(int argc, char **argv);
