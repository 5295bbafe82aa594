/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "monitor/protocol.h"
#include "util/cleanup.h"
#include "util/fdpass.h"
#include "util/log.h"
#include "util/strv.h"

#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* A SOCK_SEQPACKET socket (with flags) and the address of the control socket
 * in run_dir; -errno. */
static int control_socket(const char *run_dir, int flags, struct sockaddr_un *sa, socklen_t *len)
{
	int fd;

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (snprintf(sa->sun_path, sizeof(sa->sun_path), "%s/%s", run_dir, CONTROL_SOCKET) >=
	    (int)sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(sa->sun_path) + 1);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | flags, 0);
	return fd < 0 ? -errno : fd;
}

int control_connect(const char *run_dir)
{
	struct sockaddr_un sa;
	socklen_t len;
	_cleanup_close_ int fd = control_socket(run_dir, 0, &sa, &len);

	if (fd < 0)
		return fd;
	if (connect(fd, (struct sockaddr *)&sa, len) < 0)
		return -errno;
	return TAKE_FD(fd);
}

int control_listen(const char *run_dir)
{
	struct sockaddr_un sa;
	socklen_t len;
	_cleanup_close_ int fd = control_socket(run_dir, SOCK_NONBLOCK, &sa, &len);

	if (fd < 0)
		return fd;
	unlink(sa.sun_path);
	if (bind(fd, (struct sockaddr *)&sa, len) < 0 || listen(fd, 16) < 0)
		return -errno;
	return TAKE_FD(fd);
}

int control_call(int fd, const struct control_request *req, struct control_response *resp,
		 int timeout_ms, int *ret_fd)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	int r = fdpass_send(fd, req, sizeof(*req), -1);

	if (r < 0)
		return r;
	for (;;) {
		r = poll(&pfd, 1, timeout_ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
		break;
	}
	r = fdpass_recv(fd, resp, sizeof(*resp), ret_fd);
	if (r < 0)
		return r;
	resp->message[sizeof(resp->message) - 1] = '\0';
	return resp->version == CONTROL_VERSION ? 0 : -EPROTONOSUPPORT;
}

int control_request_parse(const void *buf, size_t len, struct control_request *ret)
{
	struct control_request req;

	if (len != sizeof(req))
		return -EBADMSG;
	memcpy(&req, buf, sizeof(req));
	if (req.version != CONTROL_VERSION)
		return -EPROTONOSUPPORT;
	switch (req.cmd) {
	case CONTROL_STATE:
	case CONTROL_STOP:
	case CONTROL_REBOOT:
	case CONTROL_CONSOLE:
	case CONTROL_PIDFD:
	case CONTROL_RESIZE:
	case CONTROL_LOG:
		*ret = req;
		return 0;
	}
	return -EOPNOTSUPP;
}

int control_recv(int fd, struct control_request *req)
{
	/* one byte more than a request: a longer message is refused, not cut */
	char buf[sizeof(*req) + 1];
	struct ucred cred;
	socklen_t len = sizeof(cred);
	ssize_t n;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return -errno;
	if (cred.uid != 0 && cred.uid != geteuid())
		return -EPERM;
	n = fdpass_recv_msg(fd, buf, sizeof(buf), NULL);
	if (n < 0)
		return (int)n;
	if (n == 0)
		return -ECONNRESET;
	return control_request_parse(buf, (size_t)n, req);
}

int control_send(int fd, const struct control_response *resp, int pass_fd)
{
	return fdpass_send(fd, resp, sizeof(*resp), pass_fd);
}
