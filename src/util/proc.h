/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Child processes. */
#pragma once

#include <stdbool.h>
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
