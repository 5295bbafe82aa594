/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "console/client.h"
#include "console/proxy.h"
#include "monitor/control-client.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct client {
	int ctl; /* control connection, kept for resize requests */
	int tty;
};

static void resize(void *data, unsigned short rows, unsigned short cols)
{
	struct client *c = data;
	struct control_response resp;

	control_resize(c->ctl, c->tty, rows, cols, &resp);
}

int console_client_attach(const struct sysc_paths *p, const char *name, int tty, int escape,
			  bool quiet)
{
	_cleanup_close_ int ctl = -EBADF, sock = -EBADF;
	struct control_response resp;
	struct client c = {.tty = tty};
	bool chatty = !quiet && isatty(STDIN_FILENO);
	int r;

	ctl = control_open(p, name);
	if (ctl == -ENOMEM)
		return ctl;
	if (ctl < 0)
		return log_error_errno(ctl, "container %s is not running", name);
	r = control_console(ctl, tty, &sock, &resp);
	if (r < 0)
		return log_error_errno(r, "cannot reach the monitor of %s: %m", name);
	if (resp.ret < 0) {
		log_error("%s", resp.message);
		return resp.ret;
	}
	if (sock < 0)
		return log_error_errno(-EBADMSG, "the monitor of %s sent no console", name);
	c.ctl = ctl;
	if (chatty && tty == 0)
		fprintf(stderr, "Connected to the console of %s. Type Ctrl-%c q to detach.\r\n",
			name, escape + 'a' - 1);
	else if (chatty)
		fprintf(stderr, "Connected to tty %d of %s. Type Ctrl-%c q to detach.\r\n", tty,
			name, escape + 'a' - 1);
	r = tty_proxy_run(
		&(struct tty_proxy){.peer = sock, .escape = escape, .resize = resize, .data = &c});
	if (chatty)
		fprintf(stderr, r == TTY_PROXY_CLOSED ? "\n%s stopped.\n" : "\nDetached from %s.\n",
			name);
	return r < 0 ? r : 0;
}
