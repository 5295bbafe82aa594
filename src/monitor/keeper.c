/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "monitor/keeper.h"
#include "console/ring.h"
#include "lib/state.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
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

/* The monitor is gone: keep the console drained while the init it last
 * recorded in the state file runs. */
static void take_over(int master, const struct sysc_paths *p, const char *name,
		      const char *log_path, uint64_t log_max)
{
	struct state_info st;
	struct console_ring ring;
	_cleanup_close_ int pidfd = -EBADF;
	bool slave_open = true;

	if (state_read(p, name, &st) < 0 || st.init_pid <= 0)
		return;
	pidfd = (int)syscall(SYS_pidfd_open, st.init_pid, 0);
	/* the pid could have been reused since the state was written */
	if (pidfd < 0 || state_proc_starttime(st.init_pid) != st.init_start)
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

/* Everything the keeper does not need goes: it must hold nothing of the
 * monitor's (the caller's stdio, the control socket, sysc-start's pipe). */
static void close_all_but(int a, int b)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
	}
	if (a > b) {
		int t = a;
		a = b;
		b = t;
	}
	if (a > 3)
		syscall(SYS_close_range, 3, a - 1, 0);
	if (b > a + 1)
		syscall(SYS_close_range, a + 1, b - 1, 0);
	syscall(SYS_close_range, b + 1, ~0U, 0);
}

static _Noreturn void keeper_main(int master, int hold, const struct sysc_paths *p,
				  const char *name, const char *log_path, uint64_t log_max)
{
	char c;
	ssize_t n;

	close_all_but(master, hold);
	log_set_fd(-1);
	log_set_stderr(0);
	prctl(PR_SET_NAME, "sysc-keeper");
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_IGN); /* a Ctrl-C meant for a foreground monitor */
	do
		n = read(hold, &c, 1);
	while (n < 0 && errno == EINTR);
	/* a byte: the monitor ended normally; EOF: it died */
	if (n == 0)
		take_over(master, p, name, log_path, log_max);
	_exit(0);
}

int keeper_start(struct console_keeper *k, int master, const struct sysc_paths *p, const char *name,
		 const char *log_path, uint64_t log_max)
{
	int fds[2];
	pid_t pid;

	k->pid = 0;
	k->hold_fd = -EBADF;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return log_error_errno(-errno, "cannot make the console keeper's pipe: %m");
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return log_error_errno(-errno, "cannot fork the console keeper: %m");
	}
	if (pid == 0)
		keeper_main(master, fds[0], p, name, log_path, log_max);
	close(fds[0]);
	k->pid = pid;
	k->hold_fd = fds[1];
	return 0;
}

void keeper_stop(struct console_keeper *k)
{
	if (k->pid <= 0)
		return;
	if (write(k->hold_fd, "q", 1) != 1)
		kill(k->pid, SIGKILL);
	CLOSE_FD(k->hold_fd);
	while (waitpid(k->pid, NULL, 0) < 0 && errno == EINTR)
		;
	k->pid = 0;
}
