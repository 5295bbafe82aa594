/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copy between the user's terminal (stdin/stdout, put in raw mode when it is
 * a tty, restored on every way out) and a peer: a console socket from the
 * monitor, or an attached process's pty master. */
#pragma once

struct tty_proxy {
	int peer;   /* read/write end */
	int escape; /* escape prefix (1 = Ctrl-a): prefix q detaches, prefix prefix
		       sends it; 0 = no escape */
	/* called with the terminal's size at start and on SIGWINCH */
	void (*resize)(void *data, unsigned short rows, unsigned short cols);
	void *data;
};

enum {
	TTY_PROXY_CLOSED = 0,	/* the peer went away (e.g. the container stopped) */
	TTY_PROXY_DETACHED = 1, /* escape q, or SIGTERM/SIGHUP */
};

int tty_proxy_run(const struct tty_proxy *t);
