/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "monitor/control-client.h"
#include "config/config.h"
#include "lib/paths.h"
#include "util/cleanup.h"
#include "util/strv.h"

#include <errno.h>

int control_open(const struct sysc_paths *p, const char *name)
{
	_cleanup_free_ char *run = paths_container_run(p, name);

	return run ? control_connect(run) : -ENOMEM;
}

/* One request of this protocol version; a fd sent along goes to *ret_fd
 * (when not NULL, else it is closed) only if the call succeeds. */
static int call(int fd, enum control_cmd cmd, int32_t arg, uint32_t flags, int timeout_ms,
		struct control_response *resp, int *ret_fd)
{
	const struct control_request req = {
		.version = CONTROL_VERSION,
		.cmd = cmd,
		.arg = arg,
		.flags = flags,
	};
	_cleanup_close_ int got = -EBADF;
	int r;

	if (ret_fd)
		*ret_fd = -EBADF;
	r = control_call(fd, &req, resp, timeout_ms, ret_fd ? &got : NULL);
	if (r < 0)
		return r;
	if (ret_fd)
		*ret_fd = TAKE_FD(got);
	return 0;
}

int control_state(int fd, struct control_response *resp)
{
	return call(fd, CONTROL_STATE, 0, 0, CONTROL_TIMEOUT_MS, resp, NULL);
}

/* The monitor answers after the kill at the deadline, the cleanup and the
 * stop and post_stop hooks. */
static int stop_wait_ms(const struct sysc_conf *conf, int timeout)
{
	int s = timeout > 0 ? timeout : (int)conf->init.stop_timeout;

	s += 30 + (int)conf->hooks.timeout *
			  (int)(strv_length(conf->hooks.stop) + strv_length(conf->hooks.post_stop));
	return s * 1000;
}

int control_stop(int fd, const struct sysc_conf *conf, int timeout, bool kill,
		 struct control_response *resp)
{
	return call(fd, CONTROL_STOP, timeout, kill ? CONTROL_F_KILL : 0,
		    stop_wait_ms(conf, timeout), resp, NULL);
}

int control_reboot(int fd, struct control_response *resp)
{
	return call(fd, CONTROL_REBOOT, 0, 0, CONTROL_TIMEOUT_MS, resp, NULL);
}

int control_console(int fd, int tty, int *ret_sock, struct control_response *resp)
{
	return call(fd, CONTROL_CONSOLE, tty, 0, CONTROL_TIMEOUT_MS, resp, ret_sock);
}

int control_resize(int fd, int tty, unsigned short rows, unsigned short cols,
		   struct control_response *resp)
{
	return call(fd, CONTROL_RESIZE, tty, (uint32_t)rows << 16 | cols, CONTROL_RESIZE_TIMEOUT_MS,
		    resp, NULL);
}

int control_log(int fd, int *ret_memfd, struct control_response *resp)
{
	return call(fd, CONTROL_LOG, 0, 0, CONTROL_TIMEOUT_MS, resp, ret_memfd);
}
