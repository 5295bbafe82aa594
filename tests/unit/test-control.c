/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The monitor's control requests as control_recv() receives them over a
 * SOCK_SEQPACKET pair: exact size, version and known command, and the
 * descriptor a client sends along is closed. Then control_dispatch(), which
 * serves them for the full monitor and the supervisor alike. */
#include "console/ring.h"
#include "monitor/protocol.h"
#include "tap.h"
#include "util/fdpass.h"
#include "util/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* Send len bytes of msg (with an fd if pass_fd) and receive them as the monitor. */
static int recv_as_monitor(const void *msg, size_t len, bool pass_fd, struct control_request *req)
{
	int sv[2], r;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	r = fdpass_send(sv[1], msg, len, pass_fd ? sv[1] : -1);
	if (r == 0)
		r = control_recv(sv[0], req);
	close(sv[0]);
	close(sv[1]);
	return r;
}

static int lowest_free_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd >= 0)
		close(fd);
	return fd;
}

/* One request through control_dispatch(): its return; the response in
 * *resp (ret -ENOMSG when none came) and the fd sent along in *ret_fd. */
static int dispatch(const struct control_ops *o, uint32_t cmd, int arg,
		    struct control_response *resp, int *ret_fd)
{
	struct control_request req = {.version = CONTROL_VERSION, .cmd = cmd, .arg = arg};
	struct control_request got;
	int sv[2], r;

	*resp = (struct control_response){.ret = -ENOMSG};
	*ret_fd = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	r = fdpass_send(sv[1], &req, sizeof(req), -1);
	if (r == 0)
		r = control_dispatch(o, sv[0], &got);
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	if (r >= 0 && fdpass_recv(sv[1], resp, sizeof(*resp), ret_fd) < 0)
		resp->ret = -ENOMSG;
	close(sv[0]);
	close(sv[1]);
	return r;
}

/* SIGUSR1 is pending for pid (blocked there) */
static bool usr1_pending(pid_t pid)
{
	char path[64], line[128];
	unsigned long long mask = 0, m;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f)) /* the thread's and the process's */
		if (sscanf(line, "SigPnd: %llx", &m) == 1 || sscanf(line, "ShdPnd: %llx", &m) == 1)
			mask |= m;
	if (f)
		fclose(f);
	return mask & (1ULL << (SIGUSR1 - 1));
}

static void test_dispatch(void)
{
	struct console_ring ring;
	struct control_response resp;
	int clients[2] = {-1, -1}, tty[2], fd, r;
	struct control_ops o = {.name = "c1",
				.n_ttys = 1,
				.tty_clients = clients,
				.ring = &ring,
				.pidfd = -1,
				.reboot_signal = SIGUSR1,
				.state = 3,
				.init_pid = 42};
	char buf[16] = {0};
	sigset_t usr1, old;
	pid_t child;

	if (console_ring_init(&ring, 64, "/dev/null", 0) < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, tty) < 0) {
		CHECK(false, "test setup");
		return;
	}
	fcntl(tty[0], F_SETFL, O_NONBLOCK); /* as a pty master is */
	o.console = tty[0];
	o.ttys = &tty[0];

	r = dispatch(&o, CONTROL_STATE, 0, &resp, &fd);
	CHECK(r == 0 && resp.ret == 0 && resp.state == 3 && resp.init_pid == 42,
	      "STATE answers the server's state and init pid (%d %d)", r, resp.ret);
	r = dispatch(&o, CONTROL_STOP, 0, &resp, &fd);
	CHECK(r == CONTROL_STOP && resp.ret == -ENOMSG, "STOP is left to the server (%d)", r);
	r = dispatch(&o, CONTROL_PIDFD, 0, &resp, &fd);
	CHECK(resp.ret == -ESRCH && fd < 0, "PIDFD without init: -ESRCH (%d)", resp.ret);

	/* REBOOT: refused while stopping (the full monitor), else init is
	 * signalled: a child with the signal blocked, so it stays pending */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, &old);
	child = fork();
	if (child == 0) {
		for (;;)
			pause();
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	o.pidfd = (int)syscall(SYS_pidfd_open, child, 0);
	o.stopping = true;
	dispatch(&o, CONTROL_REBOOT, 0, &resp, &fd);
	CHECK(resp.ret == -EBUSY && !strcmp(resp.message, "the container is stopping"),
	      "REBOOT while stopping is refused (%d %s)", resp.ret, resp.message);
	CHECK(!usr1_pending(child), "... and init is not signalled");
	o.stopping = false;
	dispatch(&o, CONTROL_REBOOT, 0, &resp, &fd);
	CHECK(resp.ret == 0, "REBOOT otherwise (%d %s)", resp.ret, resp.message);
	CHECK(usr1_pending(child), "... sends init the reboot signal");
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	close(o.pidfd);
	o.pidfd = -1;

	dispatch(&o, CONTROL_CONSOLE, 2, &resp, &fd);
	CHECK(resp.ret == -ENOENT && !strcmp(resp.message, "c1 has no tty 2 (console.ttys = 1)"),
	      "CONSOLE of a tty it has not (%s)", resp.message);
	dispatch(&o, CONTROL_CONSOLE, 0, &resp, &fd);
	CHECK(resp.ret == 0 && fd >= 0 && clients[0] >= 0, "CONSOLE attaches (%d)", resp.ret);
	dispatch(&o, CONTROL_CONSOLE, 0, &resp, &r);
	CHECK(resp.ret == -EBUSY, "a second CONSOLE client is refused (%d)", resp.ret);
	/* output goes to the ring and the client; the client's EOF detaches it */
	fileio_write_all(tty[1], "hello", 5);
	control_tty_drain(&o, 0);
	CHECK(read(fd, buf, sizeof(buf) - 1) == 5 && !strcmp(buf, "hello"),
	      "console output reaches the client (%s)", buf);
	close(fd);
	control_tty_input(&o, 0);
	CHECK(clients[0] == -1, "a client gone is detached: -1, as the handoff wants (%d)",
	      clients[0]);

	dispatch(&o, CONTROL_LOG, 0, &resp, &fd);
	memset(buf, 0, sizeof(buf));
	CHECK(resp.ret == 0 && fd >= 0 && read(fd, buf, sizeof(buf) - 1) == 5 &&
		      !strcmp(buf, "hello"),
	      "LOG sends the ring (%s)", buf);
	if (fd >= 0)
		close(fd);
	close(tty[0]);
	close(tty[1]);
	console_ring_done(&ring);
}

int main(void)
{
	struct control_request req = {.version = CONTROL_VERSION, .cmd = CONTROL_CONSOLE, .arg = 2};
	struct control_request got = {0};
	char longer[sizeof(req) + 4] = {0};
	int fd = lowest_free_fd(), r;

	r = recv_as_monitor(&req, sizeof(req), false, &got);
	CHECK(r == 0 && got.cmd == CONTROL_CONSOLE && got.arg == 2, "a request is received (%d)",
	      r);
	r = recv_as_monitor(&req, sizeof(req) - 1, false, &got);
	CHECK(r == -EBADMSG, "a short request is refused (%d)", r);

	/* a longer message used to be cut to a request and obeyed */
	memcpy(longer, &req, sizeof(req));
	r = recv_as_monitor(longer, sizeof(longer), false, &got);
	CHECK(r == -EBADMSG, "a request with trailing bytes is refused (%d)", r);

	req.version = CONTROL_VERSION + 1;
	r = recv_as_monitor(&req, sizeof(req), false, &got);
	CHECK(r == -EPROTONOSUPPORT, "another version is refused (%d)", r);

	req.version = CONTROL_VERSION;
	req.cmd = 99;
	r = recv_as_monitor(&req, sizeof(req), true, &got);
	CHECK(r == -EOPNOTSUPP, "an unknown command is refused (%d)", r);
	CHECK(lowest_free_fd() == fd, "the descriptor sent along is closed");

	r = control_request_parse(&req, 0, &got);
	CHECK(r == -EBADMSG, "an empty message is not a request (%d)", r);
	test_dispatch();
	return tap_done();
}
