/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "monitor/keeper.h"
#include "monitor/keeper-run.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strv.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/close_range.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define KEEPER_EXE    "sysc-keeper"
#define KEEPER_EXE_FD (KEEPER_HOLD_FD + 1)

/* The keeper holds nothing of the monitor's (the caller's stdio, the control
 * socket, sysc-start's pipe): the master on fd 3, the pipe on fd 4, the
 * static executable (if any) on fd 5, nothing else but /dev/null on 0-2. */
static int keeper_fds(int master, int hold, int exe)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	int m = fcntl(master, F_DUPFD_CLOEXEC, 10), h = fcntl(hold, F_DUPFD_CLOEXEC, 10);
	int e = exe >= 0 ? fcntl(exe, F_DUPFD_CLOEXEC, 10) : -1;

	if (null < 0 || m < 0 || h < 0 || (exe >= 0 && e < 0))
		return -errno;
	if (dup2(null, STDIN_FILENO) < 0 || dup2(null, STDOUT_FILENO) < 0 ||
	    dup2(null, STDERR_FILENO) < 0 || dup2(m, KEEPER_MASTER_FD) < 0 ||
	    dup2(h, KEEPER_HOLD_FD) < 0 || (e >= 0 && dup3(e, KEEPER_EXE_FD, O_CLOEXEC) < 0))
		return -errno;
	syscall(SYS_close_range, e >= 0 ? KEEPER_EXE_FD + 1 : KEEPER_HOLD_FD + 1, ~0U, 0);
	return 0;
}

static _Noreturn void keeper_child(int master, int hold, int exe, const char *state_path,
				   const char *log_path, uint64_t log_max)
{
	char max[24];

	log_set_fd(-1);
	log_set_stderr(0);
	if (keeper_fds(master, hold, exe) < 0)
		_exit(1);
	snprintf(max, sizeof(max), "%" PRIu64, log_max);
	/* the supervisor's executable in its keeper mode (argv[0]): the two
	 * share its text, as a fork shares sysc's */
	if (exe >= 0)
		syscall(SYS_execveat, KEEPER_EXE_FD, "",
			(char *const[]){KEEPER_EXE, (char *)state_path, (char *)log_path, max,
					NULL},
			(char *const[]){NULL}, AT_EMPTY_PATH);
	/* no executable: the same work in this fork of the monitor */
	prctl(PR_SET_NAME, KEEPER_EXE);
	keeper_run(KEEPER_MASTER_FD, KEEPER_HOLD_FD, state_path, log_path, log_max);
	_exit(0);
}

int keeper_start(struct console_keeper *k, int master, int exe, const char *run_dir,
		 const char *log_path, uint64_t log_max)
{
	_cleanup_free_ char *state_path = str_printf("%s/state", run_dir);
	int fds[2];
	pid_t pid;

	k->pid = 0;
	k->hold_fd = -EBADF;
	if (!state_path)
		return -ENOMEM;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return log_error_errno(-errno, "cannot make the console keeper's pipe: %m");
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return log_error_errno(-errno, "cannot fork the console keeper: %m");
	}
	if (pid == 0)
		keeper_child(master, fds[0], exe, state_path, log_path, log_max);
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
