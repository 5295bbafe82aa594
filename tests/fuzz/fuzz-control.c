/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The monitor's control socket protocol, without a container. The first
 * input byte chooses: bit 0 clear, the rest is a request a client sends to
 * the monitor (decoded by control_request_parse(), then received through a
 * socket pair by control_recv() as the monitor does); bit 0 set, the rest is
 * the monitor's response a client reads in control_call(). Bit 1 sends a file
 * descriptor along (SCM_RIGHTS), which must be passed on or closed, never
 * leaked (checked after each input).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <unistd.h>

#include "monitor/protocol.h"
#include "tests/fuzz/fuzz.h"
#include "util/cleanup.h"
#include "util/fdpass.h"

/* The lowest free descriptor: what a leak moves up. */
static int lowest_free_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd >= 0)
		close(fd);
	return fd;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

static void check_request(const uint8_t *msg, size_t len)
{
	struct control_request req;
	int r = control_request_parse(msg, len, &req);

	if (r == 0 && (len != sizeof(req) || req.version != CONTROL_VERSION || req.cmd == 0 ||
		       req.cmd > CONTROL_LOG))
		abort();
	if (r != 0 && r != -EBADMSG && r != -EPROTONOSUPPORT && r != -EOPNOTSUPP)
		abort();
}

static void exchange(const uint8_t *msg, size_t len, bool response, bool pass_fd)
{
	int sv[2], fd = -EBADF, r;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	if (fdpass_send(sv[1], msg, len, pass_fd ? sv[1] : -1) < 0)
		abort();
	if (response) {
		struct control_request req = {.version = CONTROL_VERSION, .cmd = CONTROL_STATE};
		struct control_response resp;
		r = control_call(sv[0], &req, &resp, 0, &fd);
		if (r == 0 && (resp.version != CONTROL_VERSION ||
			       resp.message[sizeof(resp.message) - 1] != '\0'))
			abort();
		if (fd >= 0)
			close(fd);
	} else {
		struct control_request req, want;
		int w = control_request_parse(msg, len, &want);
		r = control_recv(sv[0], &req);
		/* the socket gives the monitor what the parser decides */
		if (len > 0 && r != w)
			abort();
		if (r == 0 && memcmp(&req, &want, sizeof(req)) != 0)
			abort();
	}
	close(sv[0]);
	close(sv[1]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = lowest_free_fd();

	if (size == 0)
		return 0;
	check_request(data + 1, size - 1);
	exchange(data + 1, size - 1, data[0] & 1, data[0] & 2);
	if (lowest_free_fd() != fd)
		abort(); /* a descriptor leaked */
	return 0;
}
