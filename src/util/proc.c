/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "util/proc.h"
#include "util/interrupt.h"

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>

int proc_status_to_exit(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 255;
}

int proc_wait_killable(pid_t pid)
{
	int status;
	bool killed = false;

	for (;;) {
		if (waitpid(pid, &status, 0) == pid)
			return status;
		if (errno != EINTR)
			return -errno;
		if (interrupt_pending() && !killed) {
			kill(pid, SIGKILL);
			killed = true;
		}
	}
}
