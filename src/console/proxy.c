/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "console/proxy.h"
#include "util/cleanup.h"
#include "util/fileio.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

struct proxy_state {
	const struct tty_proxy *t;
	bool saw_escape;
};

static void send_size(const struct tty_proxy *t)
{
	struct winsize ws;

	if (t->resize && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0)
		t->resize(t->data, ws.ws_row, ws.ws_col);
}

/* Pass input on, handling the escape prefix. 1 = detach, -errno on error. */
static int forward_input(struct proxy_state *s, const char *buf, size_t n)
{
	char out[8192];
	size_t o = 0;
	int esc = s->t->escape;

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)buf[i];
		if (s->saw_escape) {
			s->saw_escape = false;
			if (ch == 'q') {
				/* what was typed before the escape still goes in */
				int r = fileio_write_all(s->t->peer, out, o);
				return r < 0 ? r : 1;
			}
			if (ch != esc)
				out[o++] = (char)esc;
			out[o++] = (char)ch;
		} else if (esc > 0 && ch == esc) {
			s->saw_escape = true;
		} else {
			out[o++] = (char)ch;
		}
	}
	return fileio_write_all(s->t->peer, out, o);
}

static void input_eof(int peer)
{
	int type;
	socklen_t len = sizeof(type);

	/* a socket peer learns of the EOF; a pty has no such thing */
	if (getsockopt(peer, SOL_SOCKET, SO_TYPE, &type, &len) == 0)
		shutdown(peer, SHUT_WR);
}

static int loop(struct proxy_state *s, int sigfd)
{
	struct pollfd pfd[3] = {
		{.fd = STDIN_FILENO, .events = POLLIN},
		{.fd = s->t->peer, .events = POLLIN},
		{.fd = sigfd, .events = POLLIN},
	};
	char buf[16384];

	for (;;) {
		if (poll(pfd, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (pfd[2].revents) {
			struct signalfd_siginfo si;
			if (read(sigfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo != SIGWINCH)
					return TTY_PROXY_DETACHED;
				send_size(s->t);
			}
		}
		if (pfd[1].revents) {
			ssize_t n = read(s->t->peer, buf, sizeof(buf));
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n <= 0) /* EOF, or EIO from a pty whose other side closed */
				return TTY_PROXY_CLOSED;
			if (fileio_write_all(STDOUT_FILENO, buf, (size_t)n) < 0)
				return TTY_PROXY_DETACHED;
		}
		if (pfd[0].revents) {
			ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
			if (n <= 0) {
				pfd[0].fd = -1; /* keep showing output */
				input_eof(s->t->peer);
			} else {
				int r = forward_input(s, buf, (size_t)n);
				if (r != 0)
					return r > 0 ? TTY_PROXY_DETACHED : r;
			}
		}
	}
}

int tty_proxy_run(const struct tty_proxy *t)
{
	struct proxy_state s = {.t = t};
	struct termios saved, raw;
	bool is_raw = false;
	sigset_t mask, old;
	_cleanup_close_ int sigfd = -EBADF;
	int r;

	sigemptyset(&mask);
	sigaddset(&mask, SIGWINCH);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, &old);
	sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sigfd < 0) {
		r = -errno;
		sigprocmask(SIG_SETMASK, &old, NULL);
		return r;
	}
	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0) {
		raw = saved;
		cfmakeraw(&raw);
		is_raw = tcsetattr(STDIN_FILENO, TCSADRAIN, &raw) == 0;
	}
	send_size(t);
	r = loop(&s, sigfd);
	if (is_raw)
		tcsetattr(STDIN_FILENO, TCSADRAIN, &saved);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return r;
}
