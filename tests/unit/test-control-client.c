/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The typed control calls (control-client.h) against a fake monitor over a
 * SOCK_SEQPACKET pair: each sends the request of its command with the
 * protocol version, its argument and flags; a descriptor the monitor sends
 * back reaches the caller only where one is expected; a gone monitor is an
 * error of the call, not an answer. */
#include "config/config.h"
#include "monitor/control-client.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define N_CALLS 7

/* The fake monitor: answers each request with its command as the state, its
 * argument as the init pid and its flags as the message; the console and
 * log requests get a descriptor (a pipe's read end). */
static void serve(int fd)
{
	for (int i = 0; i < N_CALLS; i++) {
		struct control_request req;
		struct control_response resp = {.version = CONTROL_VERSION};
		int pfd[2] = {-1, -1};
		bool pass;

		if (control_recv(fd, &req) < 0)
			_exit(1);
		pass = req.cmd == CONTROL_CONSOLE || req.cmd == CONTROL_LOG;
		if (pass && pipe2(pfd, O_CLOEXEC) < 0)
			_exit(1);
		resp.state = req.cmd;
		resp.init_pid = req.arg;
		resp.ret = req.cmd == CONTROL_REBOOT ? -EBUSY : 0;
		snprintf(resp.message, sizeof(resp.message), "%u", req.flags);
		if (control_send(fd, &resp, pass ? pfd[0] : -1) < 0)
			_exit(1);
	}
	_exit(0);
}

static bool is_pipe(int fd)
{
	struct stat st;

	return fd >= 0 && fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
}

int main(void)
{
	struct sysc_conf conf = {0};
	struct control_response resp;
	int sv[2], status = -1, got = -1;
	pid_t pid;
	int r;

	signal(SIGPIPE, SIG_IGN);
	conf.init.stop_timeout = 1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return 1;
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		close(sv[0]);
		serve(sv[1]);
	}
	close(sv[1]);

	r = control_state(sv[0], &resp);
	CHECK(r == 0 && resp.state == CONTROL_STATE && resp.ret == 0, "state: %d", r);

	r = control_stop(sv[0], &conf, 7, true, &resp);
	CHECK(r == 0 && resp.state == CONTROL_STOP && resp.init_pid == 7, "stop: timeout %d",
	      resp.init_pid);
	CHECK_STREQ(resp.message, "1", "stop --kill sends CONTROL_F_KILL");
	r = control_stop(sv[0], &conf, 0, false, &resp);
	CHECK(r == 0 && resp.init_pid == 0, "stop: 0 leaves the timeout to the monitor's config");
	CHECK_STREQ(resp.message, "0", "stop without kill sends no flags");

	r = control_reboot(sv[0], &resp);
	CHECK(r == 0 && resp.state == CONTROL_REBOOT && resp.ret == -EBUSY,
	      "reboot: the monitor's refusal is its answer, not a failed call (%d)", r);

	r = control_console(sv[0], 2, &got, &resp);
	CHECK(r == 0 && resp.state == CONTROL_CONSOLE && resp.init_pid == 2, "console of tty 2");
	CHECK(is_pipe(got), "console: the monitor's socket is returned");
	if (got >= 0)
		close(got);

	r = control_resize(sv[0], 1, 40, 132, &resp);
	CHECK(r == 0 && resp.state == CONTROL_RESIZE && resp.init_pid == 1, "resize of tty 1");
	CHECK_STREQ(resp.message, "2621572", "resize: rows << 16 | cols (40 << 16 | 132)");

	got = -1;
	r = control_log(sv[0], &got, &resp);
	CHECK(r == 0 && resp.state == CONTROL_LOG, "log");
	CHECK(is_pipe(got), "log: the monitor's memfd is returned");
	if (got >= 0)
		close(got);

	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the fake monitor got %d requests",
	      N_CALLS);
	got = 42;
	r = control_log(sv[0], &got, &resp);
	CHECK(r < 0 && got < 0, "a gone monitor fails the call (%d) and gives no fd", r);
	close(sv[0]);
	return tap_done();
}
