/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Child processes. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Exit status of a waitpid() status as a shell would report it:
 * the exit code, or 128+N for death by signal N. */
int proc_status_to_exit(int status);
/* waitpid that retries on EINTR unless an interrupt is pending; on a pending
 * interrupt it SIGKILLs pid first (then still reaps it). Returns the raw
 * status, or -errno. */
int proc_wait_killable(pid_t pid);

/* Would sig reach pid? An init in a PID namespace drops signals from outside
 * unless it catches them (a handler: SigCgt) or blocks them (queued for a
 * signalfd or sigwait, as systemd and busybox init do: SigBlk).
 * 1 yes, 0 not yet, -errno (-ESRCH when gone). */
int proc_signal_accepted(pid_t pid, int sig);

/* Run argv[0] (searched in PATH) with stdin from /dev/null; collect its
 * stdout (into *ret_out when not NULL) and stderr (into *ret_err when not
 * NULL), each at most 1 MiB. Returns its exit status as proc_status_to_exit
 * does (0 = success), or -errno when it cannot be run (ENOENT: not
 * installed). An interrupt kills it. */
int proc_run_capture(char *const argv[], char **ret_out, char **ret_err);
/* The last n lines of text, on one line joined by " | " (for messages). */
char *proc_tail_lines(const char *text, unsigned n);

struct proc_run_opts {
	char *const *argv;   /* argv[0]: a path, or a name searched in PATH */
	char *const *envp;   /* NULL: inherit */
	unsigned timeout_ms; /* 0: none */
};
/* Run a command with stdin from /dev/null, in its own process group, and
 * collect its stdout and stderr interleaved (at most 1 MiB) into *ret_output.
 * At the timeout (or on an interrupt) the whole process group is killed.
 * Capture ends when the command exits, even if its children keep the pipe.
 * Returns its exit status as proc_status_to_exit does, -ETIMEDOUT when it was
 * killed at the timeout, -EINTR on an interrupt, or the -errno of a failed
 * exec (-ENOENT: no such file). *ret_output is set (maybe "") when >= 0 or
 * -ETIMEDOUT. */
int proc_run_timed(const struct proc_run_opts *o, char **ret_output);

/* Start time of a process from /proc/PID/stat (clock ticks since boot); 0 if
 * it does not exist or is a zombie. */
uint64_t proc_starttime(pid_t pid);
