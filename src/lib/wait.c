/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/wait.h"
#include "config/config.h"
#include "lib/paths.h"
#include "lib/state.h"
#include "lib/store.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/monotonic.h"
#include "util/strv.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Seconds since t0 (monotonic_us()). */
static double elapsed(int64_t t0)
{
	return (double)(monotonic_us() - t0) / 1e6;
}

static bool timed_out(const struct wait_opts *o, int64_t t0)
{
	return o->timeout >= 0 && elapsed(t0) >= o->timeout;
}

static int wait_states(const struct sysc_paths *p, const char *name, unsigned mask,
		       const struct wait_opts *o, int64_t t0)
{
	for (;;) {
		struct state_info st;
		int r = state_read(p, name, &st);
		if (r < 0 || (mask & (1u << st.state)))
			return r;
		if (timed_out(o, t0)) {
			log_error("timed out waiting for %s (it is %s)", name,
				  state_name(st.state));
			return -ETIMEDOUT;
		}
		usleep(10000);
	}
}

/* 1 if the running container's init is systemd, 0 if another init */
static int init_is_systemd(const struct state_info *st, const char *name)
{
	_cleanup_free_ char *exe = str_printf("/proc/%d/exe", (int)st->init_pid);
	char target[PATH_MAX];
	ssize_t n;

	if (!exe)
		return -ENOMEM;
	n = readlink(exe, target, sizeof(target) - 1);
	if (n < 0)
		return log_error_errno(-errno, "cannot inspect the init of %s: %m", name);
	target[n] = '\0';
	return str_endswith(target, "/systemd");
}

/* After RUNNING: a systemd guest is ready to be asked once its private
 * socket exists. 1 then, 0 for another init (RUNNING is all there is to know). */
static int wait_systemd(const struct sysc_paths *p, const char *name, const struct wait_opts *o,
			int64_t t0)
{
	_cleanup_free_ char *sock = NULL;
	struct state_info st;
	int r = state_read(p, name, &st);

	if (r < 0 || st.state != STATE_RUNNING)
		return r < 0 ? r : -ESRCH;
	r = init_is_systemd(&st, name);
	if (r <= 0)
		return r;
	sock = str_printf("/proc/%d/root/run/systemd/private", (int)st.init_pid);
	if (!sock)
		return -ENOMEM;
	for (;;) {
		struct stat stt;
		if (stat(sock, &stt) == 0 && S_ISSOCK(stt.st_mode))
			return 1;
		if (timed_out(o, t0)) {
			log_error("timed out waiting for systemd in %s to start", name);
			return -ETIMEDOUT;
		}
		usleep(20000);
	}
}

int wait_container(const struct sysc_paths *p, const char *name, const struct wait_opts *o,
		   bool *ret_systemd)
{
	unsigned mask = o->booted ? 1u << STATE_RUNNING : o->states;
	struct sysc_conf *conf = NULL;
	int64_t t0;
	int r;

	if (ret_systemd)
		*ret_systemd = false;
	if (!mask)
		return log_error_errno(-EINVAL, "no state to wait for");
	/* validates the config and reports a missing container */
	r = store_load_conf(p, name, &conf);
	conf_free(conf);
	if (r < 0)
		return r;
	t0 = monotonic_us();
	r = wait_states(p, name, mask, o, t0);
	if (r < 0 || !o->booted)
		return r;
	r = wait_systemd(p, name, o, t0);
	if (r > 0 && ret_systemd)
		*ret_systemd = true;
	return r < 0 ? r : 0;
}
