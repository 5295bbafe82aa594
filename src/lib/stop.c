/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/stop.h"
#include "cgroup/cgroup.h"
#include "config/config.h"
#include "lib/freeze.h"
#include "lib/paths.h"
#include "lib/state.h"
#include "lib/store.h"
#include "net/net.h"
#include "monitor/control-client.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/monotonic.h"
#include "util/strv.h"
#include "util/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MONITOR_EXIT_WAIT_MS 5000

int stop_cleanup_stale(const struct sysc_paths *p, const char *name)
{
	_cleanup_free_ char *run = paths_container_run(p, name);
	_cleanup_free_ char *key = paths_container_key(p, name);
	struct cgroup_set *cg = NULL;
	int r = 0;

	if (!run || !key)
		return -ENOMEM;
	if (cgroup_open(p->cgroup_parent, key, &cg) == 0) {
		if (cgroup_kill_all(cg, 10000) == 0)
			r = cgroup_destroy(cg);
		else
			r = -EBUSY;
		cgroup_set_free(cg);
		if (r < 0)
			return log_error_errno(r, "cannot remove the leftover cgroups of %s", name);
	}
	net_cleanup_stale(run, name);
	r = fileio_rm_rf_at(AT_FDCWD, run);
	if (r < 0)
		return log_error_errno(r, "cannot remove stale runtime directory %s: %m", run);
	return 0;
}

/* A pidfd of process pid that started at start, or -errno (gone, or its pid
 * reused). */
static int pidfd_of(pid_t pid, uint64_t start)
{
	int fd = pid > 0 ? (int)syscall(SYS_pidfd_open, pid, 0) : -ESRCH;

	if (fd < 0)
		return fd == -ESRCH ? fd : -errno;
	/* the pid could have been reused between reading the state and pidfd_open */
	if (state_proc_starttime(pid) != start) {
		close(fd);
		return -ESRCH;
	}
	return fd;
}

/* The monitor is gone: halt init ourselves, then clean up what it would have. */
static int stop_direct(const struct sysc_paths *p, const struct sysc_conf *conf,
		       const struct state_info *st, const struct stop_opts *o)
{
	int timeout = o->timeout > 0 ? o->timeout : (int)conf->init.stop_timeout;
	int64_t deadline = monotonic_ms() + (int64_t)timeout * 1000;
	_cleanup_close_ int pidfd = pidfd_of(st->init_pid, st->init_start);
	bool sent = false;

	log_debug("the monitor of %s is gone; stopping it directly", conf->name);
	/* resend until a send is seen accepted: see send_halt() in the monitor */
	while (pidfd >= 0 && !o->kill && monotonic_ms() < deadline) {
		struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
		if (!sent) {
			bool accepted =
				proc_signal_accepted(st->init_pid, conf->init.halt_signal) == 1;
			sent = syscall(SYS_pidfd_send_signal, pidfd, conf->init.halt_signal, NULL,
				       0) == 0 &&
			       accepted;
		}
		if (poll(&pfd, 1, 100) > 0)
			break;
	}
	if (pidfd >= 0 && !o->kill && monotonic_ms() >= deadline)
		log_warn("%s did not stop within %d s: killing it", conf->name, timeout);
	return stop_cleanup_stale(p, conf->name);
}

/* The monitor answers a stop once the container is gone, and then exits:
 * wait for that exit (its log fd, its keeper and its mount namespace go
 * with it), so that whoever runs next (sysc-destroy, an umount of the
 * store's filesystem) finds nothing of it. */
static void wait_monitor_exit(int pidfd, const char *name)
{
	int64_t deadline = monotonic_ms() + MONITOR_EXIT_WAIT_MS;
	struct pollfd pfd = {.fd = pidfd, .events = POLLIN};

	while (monotonic_ms() < deadline) {
		int r = poll(&pfd, 1, 100);
		if (r > 0 || (r < 0 && errno != EINTR))
			return;
	}
	log_warn("the monitor of %s still runs %d ms after it stopped the container", name,
		 MONITOR_EXIT_WAIT_MS);
}

/* *ret_stopped: the monitor stopped it (even when it reports a failed stop hook) */
static int stop_via_monitor(const struct sysc_paths *p, const struct sysc_conf *conf,
			    const struct state_info *st, const struct stop_opts *o,
			    bool *ret_stopped)
{
	_cleanup_close_ int fd = control_open(p, conf->name);
	_cleanup_close_ int monitor = pidfd_of(st->monitor_pid, st->monitor_start);
	struct control_response resp;
	int r;

	if (fd < 0)
		return fd;
	r = control_stop(fd, conf, o->timeout, o->kill, &resp);
	if (r < 0)
		return r;
	if (resp.state == STATE_STOPPED && monitor >= 0)
		wait_monitor_exit(monitor, conf->name);
	if (resp.ret < 0 && resp.state == STATE_STOPPED) {
		/* stopped and cleaned up, but a stop hook failed */
		*ret_stopped = true;
		log_error("%s stopped, but %s", conf->name, resp.message);
		return resp.ret;
	}
	if (resp.ret < 0) {
		log_error("cannot stop %s: %s", conf->name, resp.message);
		return resp.ret;
	}
	return 0;
}

static int reboot_via_monitor(const struct sysc_paths *p, const struct sysc_conf *conf,
			      const struct state_info *before, const struct stop_opts *o)
{
	_cleanup_close_ int fd = control_open(p, conf->name);
	struct control_response resp;
	int timeout = o->timeout > 0 ? o->timeout : (int)conf->init.stop_timeout;
	int64_t deadline = monotonic_ms() + (int64_t)(timeout + 30) * 1000;
	int r;

	if (fd < 0)
		return log_error_errno(fd, "cannot reach the monitor of %s: %m", conf->name);
	r = control_reboot(fd, &resp);
	if (r < 0)
		return log_error_errno(r, "cannot reboot %s: %m", conf->name);
	if (resp.ret < 0)
		return log_error_errno(resp.ret, "cannot reboot %s: %s", conf->name, resp.message);
	/* done when a new init runs */
	while (monotonic_ms() < deadline) {
		struct state_info st;
		if (state_read(p, conf->name, &st) == 0 && st.state == STATE_RUNNING &&
		    st.init_start != before->init_start)
			return 0;
		if (st.state == STATE_STOPPED) {
			log_error("%s stopped instead of rebooting", conf->name);
			return -ECHILD;
		}
		usleep(20000);
	}
	log_error("%s did not come back within %d s", conf->name, timeout + 30);
	return -ETIMEDOUT;
}

int stop_container(const struct sysc_paths *p, const char *name, const struct stop_opts *o)
{
	struct sysc_conf *conf = NULL;
	struct state_info st;
	int r = store_load_conf(p, name, &conf);

	if (r < 0)
		return r;
	r = state_read(p, name, &st);
	if (r < 0) {
		log_error_errno(r, "cannot read the state of %s: %m", name);
	} else if (st.state == STATE_STOPPED) {
		if (st.stale)
			stop_cleanup_stale(p, name);
		log_error("container %s is not running", name);
		r = -ESRCH;
	} else if (st.state == STATE_FROZEN && (r = freeze_container(p, name, false)) < 0) {
		/* a frozen init cannot take the halt signal: thaw first (logged) */
	} else if (o->reboot) {
		r = reboot_via_monitor(p, conf, &st, o);
	} else {
		bool stopped = false;

		r = st.monitor_alive ? stop_via_monitor(p, conf, &st, o, &stopped) : -ENOTCONN;
		if (stopped)
			goto done;
		if (r < 0 && st.monitor_alive)
			log_warn_errno(
				r, "the monitor of %s did not answer (%m); stopping it directly",
				name);
		if (r < 0)
			r = stop_direct(p, conf, &st, o);
	}
done:
	conf_free(conf);
	return r;
}
