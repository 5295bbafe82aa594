/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The console keeper: a small host process forked by the monitor that holds a
 * copy of the console pty master and does nothing while the monitor lives.
 * When the monitor dies without saying goodbye (SIGKILL, a crash), the keeper
 * drains the console into console.log until the container's init exits, so
 * the guest never sees its console hung up (systemd would retry each status
 * line for a second on a hung-up console, and its halt would never end).
 */
#pragma once

#include <stdint.h>
#include <sys/types.h>

struct console_keeper {
	pid_t pid;   /* 0: none */
	int hold_fd; /* write end of the pipe whose EOF without a byte is the monitor's death */
};

/* Fork the keeper for console master fd `master` of the container whose
 * runtime directory is run_dir (its state file names init); it execs exe,
 * the static sysc-supervisor (supervisor.c), in its keeper mode, or works in
 * the fork when exe < 0. log_path / log_max: the console log and its
 * rotation size. */
int keeper_start(struct console_keeper *k, int master, int exe, const char *run_dir,
		 const char *log_path, uint64_t log_max);
/* The monitor ends normally: tell the keeper to go, and reap it. */
void keeper_stop(struct console_keeper *k);
