/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "util/proc.h"
#include "util/interrupt.h"

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int proc_signal_accepted(pid_t pid, int sig)
{
	char path[64], line[256];
	unsigned long long caught = 0, blocked = 0;
	bool seen = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "SigBlk:", 7) == 0)
			blocked = strtoull(line + 7, NULL, 16);
		else if (strncmp(line, "SigCgt:", 7) == 0) {
			caught = strtoull(line + 7, NULL, 16);
			seen = true;
		}
	}
	fclose(f);
	if (!seen)
		return -EIO;
	return ((caught | blocked) >> (sig - 1)) & 1ULL ? 1 : 0;
}
