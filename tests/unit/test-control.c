/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The monitor's control requests as control_recv() receives them over a
 * SOCK_SEQPACKET pair: exact size, version and known command, and the
 * descriptor a client sends along is closed. */
#include "monitor/protocol.h"
#include "tap.h"
#include "util/fdpass.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/socket.h>
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
	return tap_done();
}
