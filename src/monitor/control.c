/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "monitor/protocol.h"
#include "console/ring.h"
#include "util/cleanup.h"
#include "util/fdpass.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/strv.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <termios.h>
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

/* ---- Serving the requests (the monitor's and the supervisor's) ---- */

void control_reply(const struct control_ops *o, int fd, int ret, const char *msg, int pass_fd)
{
	struct control_response resp = {
		.version = CONTROL_VERSION,
		.ret = ret,
		.state = o->state,
		.init_pid = o->init_pid,
	};

	if (msg)
		snprintf(resp.message, sizeof(resp.message), "%s", msg);
	control_send(fd, &resp, pass_fd);
}

int control_tty_master(const struct control_ops *o, int tty)
{
	if (tty == 0)
		return o->console;
	if (tty > 0 && (unsigned)tty <= o->n_ttys)
		return o->ttys[tty - 1];
	return -ENOENT;
}

/* A console client gets one end of a socket pair; the server copies between
 * the other end and the tty's master, so output is also kept in the ring. */
static void attach_tty(const struct control_ops *o, int fd, int tty)
{
	char msg[128];
	int sv[2];

	if (control_tty_master(o, tty) < 0) {
		snprintf(msg, sizeof(msg), "%s has no tty %d (console.ttys = %u)", o->name, tty,
			 o->n_ttys);
		control_reply(o, fd, -ENOENT, msg, -1);
		return;
	}
	if (o->tty_clients[tty] >= 0) {
		snprintf(msg, sizeof(msg), "tty %d of %s is in use by another client", tty,
			 o->name);
		control_reply(o, fd, -EBUSY, msg, -1);
		return;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		control_reply(o, fd, -errno, "socketpair failed", -1);
		return;
	}
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	o->tty_clients[tty] = sv[0];
	if (tty > 0)
		fcntl(o->ttys[tty - 1], F_SETFL, O_NONBLOCK);
	control_reply(o, fd, 0, NULL, sv[1]);
	close(sv[1]);
}

/* (-1, not -EBADF: the supervisor hands the fds on, handoff.h) */
static void detach_tty(const struct control_ops *o, int tty)
{
	close(o->tty_clients[tty]);
	o->tty_clients[tty] = -1;
}

/* The ring buffer's content, as a memfd the client reads. */
static void send_log(const struct control_ops *o, int fd)
{
	_cleanup_close_ int mfd = console_ring_memfd(o->ring, "sysc-console-log");

	control_reply(o, fd, mfd < 0 ? mfd : 0, mfd < 0 ? "cannot copy the console buffer" : NULL,
		      mfd < 0 ? -1 : mfd);
}

static void reboot_init(const struct control_ops *o, int fd)
{
	int r;

	if (o->stopping) {
		control_reply(o, fd, -EBUSY, "the container is stopping", -1);
		return;
	}
	r = syscall(SYS_pidfd_send_signal, o->pidfd, o->reboot_signal, NULL, 0) < 0 ? -errno : 0;
	control_reply(o, fd, r, r < 0 ? "cannot signal init" : NULL, -1);
}

static void resize_tty(const struct control_ops *o, int fd, const struct control_request *req)
{
	struct winsize ws = {.ws_row = (unsigned short)(req->flags >> 16),
			     .ws_col = (unsigned short)(req->flags & 0xffff)};
	int master = control_tty_master(o, req->arg);
	int r = master < 0 ? -ENOENT : ioctl(master, TIOCSWINSZ, &ws) < 0 ? -errno : 0;

	control_reply(o, fd, r, r < 0 ? "cannot resize tty" : NULL, -1);
}

int control_dispatch(const struct control_ops *o, int fd, struct control_request *req)
{
	int r = control_recv(fd, req);

	if (r == -ECONNRESET || r == -EBADMSG)
		return -ECONNRESET;
	if (r < 0) {
		control_reply(o, fd, r,
			      r == -EPERM	 ? "permission denied"
			      : r == -EOPNOTSUPP ? "unknown request"
						 : "protocol version mismatch",
			      -1);
		return 0;
	}
	switch (req->cmd) {
	case CONTROL_STATE:
		control_reply(o, fd, 0, NULL, -1);
		break;
	case CONTROL_STOP:
		return CONTROL_STOP;
	case CONTROL_REBOOT:
		reboot_init(o, fd);
		break;
	case CONTROL_CONSOLE:
		attach_tty(o, fd, req->arg);
		break;
	case CONTROL_RESIZE:
		resize_tty(o, fd, req);
		break;
	case CONTROL_LOG:
		send_log(o, fd);
		break;
	case CONTROL_PIDFD:
		control_reply(o, fd, o->pidfd >= 0 ? 0 : -ESRCH, NULL, o->pidfd);
		break;
	default:
		control_reply(o, fd, -EOPNOTSUPP, "unknown request", -1);
	}
	return 0;
}

void control_tty_drain(const struct control_ops *o, int tty)
{
	int master = control_tty_master(o, tty);
	char buf[8192];

	for (;;) {
		ssize_t n = read(master, buf, sizeof(buf));
		if (n <= 0)
			return;
		if (tty == 0)
			console_ring_write(o->ring, buf, (size_t)n);
		if (o->tty_clients[tty] >= 0 &&
		    send(o->tty_clients[tty], buf, (size_t)n, MSG_NOSIGNAL) < 0 && errno != EAGAIN)
			detach_tty(o, tty);
	}
}

void control_tty_input(const struct control_ops *o, int tty)
{
	char buf[4096];
	ssize_t n = read(o->tty_clients[tty], buf, sizeof(buf));

	if (n > 0)
		fileio_write_all(control_tty_master(o, tty), buf, (size_t)n);
	else if (n == 0 || (errno != EAGAIN && errno != EINTR))
		detach_tty(o, tty);
}
