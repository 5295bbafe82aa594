/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "monitor/keeper-run.h"
#include "console/ring.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define KEEPER_HUP_WAIT_MS 100 /* no slave open: poll the master again after this */

/* Copy what is pending on the master into the log; false once no process
 * of the container has the console open (EIO). */
static bool drain(int master, struct console_ring *ring)
{
	char buf[8192];

	for (;;) {
		ssize_t n = read(master, buf, sizeof(buf));
		if (n > 0) {
			console_ring_write(ring, buf, (size_t)n);
			continue;
		}
		return !(n < 0 && errno == EIO);
	}
}

/* init_pid and init_start from the monitor's state file (lib/state.c
 * writes it as key=value lines); -errno. */
static int read_init(const char *state_path, pid_t *pid, uint64_t *start)
{
	_cleanup_free_ char *data = NULL;
	int r = fileio_read_at(AT_FDCWD, state_path, &data, NULL);

	if (r < 0)
		return r;
	*pid = 0;
	*start = 0;
	for (char *l = data; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (strncmp(l, "init_pid=", 9) == 0)
			*pid = (pid_t)strtol(l + 9, NULL, 10);
		else if (strncmp(l, "init_start=", 11) == 0)
			*start = strtoull(l + 11, NULL, 10);
	}
	return *pid > 0 ? 0 : -ESRCH;
}

/* The monitor is gone: keep the console drained while the init it last
 * recorded in the state file runs. */
static void take_over(int master, const char *state_path, const char *log_path, uint64_t log_max)
{
	struct console_ring ring;
	_cleanup_close_ int pidfd = -EBADF;
	bool slave_open = true;
	uint64_t start;
	pid_t pid;

	if (read_init(state_path, &pid, &start) < 0)
		return;
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	/* the pid could have been reused since the state was written */
	if (pidfd < 0 || proc_starttime(pid) != start)
		return;
	if (console_ring_init(&ring, 4096, log_path, log_max) < 0)
		return;
	for (;;) {
		struct pollfd pfd[2] = {{.fd = pidfd, .events = POLLIN},
					{.fd = master, .events = POLLIN}};
		/* with no slave open the master polls as hung up at once: wait on init */
		int n = poll(pfd, slave_open ? 2 : 1, slave_open ? -1 : KEEPER_HUP_WAIT_MS);
		if (n < 0 && errno != EINTR)
			break;
		slave_open = drain(master, &ring);
		if (pfd[0].revents)
			break;
	}
	console_ring_done(&ring);
}

void keeper_run(int master, int hold, const char *state_path, const char *log_path,
		uint64_t log_max)
{
	char c;
	ssize_t n;

	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_IGN); /* a Ctrl-C meant for a foreground monitor */
	do
		n = read(hold, &c, 1);
	while (n < 0 && errno == EINTR);
	/* a byte: the monitor ended normally; EOF: it died */
	if (n == 0)
		take_over(master, state_path, log_path, log_max);
}
