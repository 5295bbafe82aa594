/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The monitor's two executables and what passes between them
 * (doc/architecture.md, "Monitor memory"). Once the container is RUNNING the
 * monitor (a fork of sysc-start) execs the small static sysc-supervisor, same
 * pid, so init stays its child; for a stop, for init's exit (a reboot or a
 * poweroff inside) it execs sysc back, which resumes the full monitor. Each
 * direction passes one argv of KEY=VALUE words (handoff_argv / handoff_parse)
 * and the descriptors it names, kept open across exec:
 *
 *   exe        O_PATH of the sysc binary to exec back
 *   listen     the control socket; clients: connected control clients
 *   pidfd, pid init (still the monitor's child); ttys: its tty masters
 *   console    the console pty master; tty_clients: attached console clients
 *              (one per tty, 0 = console; -1 none)
 *   ring       a memfd holding the console ring's content; ring_cap, log,
 *              log_max: the ring's size, console.log and its rotation size
 *   name       the container's name, for messages
 *   reboot_sig init.reboot_signal (CONTROL_REBOOT is served by the supervisor)
 *   monitor    a memfd of the full monitor's own record (monitor.c), which the
 *              supervisor hands back untouched, with the descriptors it names
 *   event      back to sysc only: exit (init is gone) or stop (a CONTROL_STOP
 *              request: stop_fd, the client waiting for its answer;
 *              stop_timeout, stop_kill its arguments)
 *
 * This file and handoff.c use libc only: they are linked into both.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define SUPERVISOR_EXE	    "sysc-supervisor"
#define HANDOFF_MAX_CLIENTS 32
#define HANDOFF_MAX_TTYS    64 /* SPAWN_MAX_TTYS */

enum handoff_event { HANDOFF_NONE, HANDOFF_EXIT, HANDOFF_STOP };

struct handoff {
	int exe, listen, pidfd, console, ring, monitor;
	pid_t pid;
	unsigned n_ttys;
	int ttys[HANDOFF_MAX_TTYS];
	int tty_clients[HANDOFF_MAX_TTYS + 1];
	int clients[HANDOFF_MAX_CLIENTS];
	uint64_t ring_cap, log_max;
	const char *log;  /* points into the parsed argv */
	const char *name; /* the container's, for messages (also into argv) */
	int reboot_sig;
	enum handoff_event event;
	int stop_fd, stop_timeout;
	bool stop_kill;
};

/* Every fd -1, nothing set. */
void handoff_init(struct handoff *h);
/* argv0, then h as KEY=VALUE words, NULL-terminated (free with handoff_argv_free). */
char **handoff_argv(const struct handoff *h, const char *argv0, const char *verb);
void handoff_argv_free(char **argv);
/* From argv (after the verb); -EINVAL on a word it does not know or a bad value. */
int handoff_parse(char **argv, struct handoff *h);
/* Clear FD_CLOEXEC on every descriptor h names (before exec); -errno. */
int handoff_keep_fds(const struct handoff *h);
/* The static executable beside /proc/self/exe, else in libexecdir; an
 * O_PATH|O_CLOEXEC fd, or -ENOENT. */
int handoff_find_supervisor(void);
