/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "console/client.h"
#include "lib/paths.h"
#include "monitor/protocol.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/log.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

struct client {
	int ctl;  /* control connection, kept for resize requests */
	int sock; /* the tty stream */
	int tty;
	int escape;
	bool saw_escape;
	bool raw;
	struct termios saved;
};

static void restore_tty(struct client *c)
{
	if (c->raw) {
		tcsetattr(STDIN_FILENO, TCSADRAIN, &c->saved);
		c->raw = false;
	}
}

static void make_raw(struct client *c)
{
	struct termios t;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &c->saved) < 0)
		return;
	t = c->saved;
	cfmakeraw(&t);
	if (tcsetattr(STDIN_FILENO, TCSADRAIN, &t) == 0)
		c->raw = true;
}

static void send_winsize(struct client *c)
{
	struct winsize ws;
	struct control_request req = {.version = CONTROL_VERSION, .cmd = CONTROL_RESIZE};
	struct control_response resp;

	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) < 0 || ws.ws_row == 0)
		return;
	req.arg = c->tty;
	req.flags = (uint32_t)ws.ws_row << 16 | ws.ws_col;
	control_call(c->ctl, &req, &resp, 2000, NULL);
}

/* Pass input on, handling the escape prefix. 1 = detach requested. */
static int forward_input(struct client *c, const char *buf, size_t n)
{
	char out[8192];
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)buf[i];
		if (c->saw_escape) {
			c->saw_escape = false;
			if (ch == 'q')
				return 1;
			if (ch != c->escape)
				out[o++] = (char)c->escape;
			out[o++] = (char)ch;
		} else if (ch == c->escape && c->escape > 0) {
			c->saw_escape = true;
		} else {
			out[o++] = (char)ch;
		}
	}
	return fileio_write_all(c->sock, out, o) < 0 ? -1 : 0;
}

static int proxy(struct client *c, int sigfd)
{
	struct pollfd pfd[3] = {
		{.fd = STDIN_FILENO, .events = POLLIN},
		{.fd = c->sock, .events = POLLIN},
		{.fd = sigfd, .events = POLLIN},
	};
	char buf[8192];

	for (;;) {
		if (poll(pfd, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (pfd[2].revents) {
			struct signalfd_siginfo si;
			if (read(sigfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGWINCH)
					send_winsize(c);
				else
					return 0; /* SIGTERM/SIGHUP: detach */
			}
		}
		if (pfd[1].revents) {
			ssize_t n = read(c->sock, buf, sizeof(buf));
			if (n <= 0)
				return 0; /* the container stopped */
			if (fileio_write_all(STDOUT_FILENO, buf, (size_t)n) < 0)
				return 0;
		}
		if (pfd[0].revents) {
			ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
			if (n <= 0) {
				pfd[0].fd = -1; /* EOF: keep showing output */
				shutdown(c->sock, SHUT_WR);
			} else if (forward_input(c, buf, (size_t)n) != 0) {
				return 0;
			}
		}
	}
}

int console_client_attach(const struct sysc_paths *p, const char *name, int tty, int escape,
			  bool quiet)
{
	_cleanup_free_ char *run = paths_container_run(p, name);
	_cleanup_close_ int ctl = -EBADF, sock = -EBADF, sigfd = -EBADF;
	struct control_request req = {.version = CONTROL_VERSION, .cmd = CONTROL_CONSOLE, .arg = tty};
	struct control_response resp;
	struct client c = {.tty = tty, .escape = escape};
	sigset_t mask, old;
	int r;

	if (!run)
		return -ENOMEM;
	ctl = control_connect(run);
	if (ctl < 0)
		return log_error_errno(ctl, "container %s is not running", name);
	r = control_call(ctl, &req, &resp, 5000, &sock);
	if (r < 0)
		return log_error_errno(r, "cannot reach the monitor of %s: %s", name, strerror(-r));
	if (resp.ret < 0) {
		log_error("%s", resp.message);
		return resp.ret;
	}
	if (sock < 0)
		return log_error_errno(-EBADMSG, "the monitor of %s sent no console", name);
	sigemptyset(&mask);
	sigaddset(&mask, SIGWINCH);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, &old);
	sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
	c.ctl = ctl;
	c.sock = sock;
	if (!quiet && isatty(STDIN_FILENO))
		fprintf(stderr, "Connected to %s of %s. Type Ctrl-%c q to detach.\r\n",
			tty ? "tty" : "the console", name, escape + 'a' - 1);
	make_raw(&c);
	send_winsize(&c);
	r = proxy(&c, sigfd);
	restore_tty(&c);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (!quiet && isatty(STDIN_FILENO))
		fprintf(stderr, "\nDetached from %s.\n", name);
	return r;
}
