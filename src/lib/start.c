/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/start.h"
#include "config/config.h"
#include "lib/idmap.h"
#include "lib/lock.h"
#include "lib/paths.h"
#include "lib/preflight.h"
#include "lib/state.h"
#include "lib/stop.h"
#include "lib/store.h"
#include "monitor/monitor.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int check_stopped(const struct sysc_paths *p, const char *name)
{
	struct state_info st;
	int r = state_read(p, name, &st);

	if (r < 0)
		return log_error_errno(r, "cannot read the state of %s: %m", name);
	if (st.state != STATE_STOPPED) {
		log_error("container %s is already %s", name, state_name(st.state));
		return -EBUSY;
	}
	if (st.stale) {
		log_debug("cleaning up after a previous run of %s", name);
		return stop_cleanup_stale(p, name);
	}
	return 0;
}

/* Fork the monitor; wait for it to say RUNNING (0) or why not (-errno). */
static int spawn_monitor(const struct monitor_opts *mo)
{
	int pipefd[2];
	int32_t result = -EIO;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return log_error_errno(-errno, "pipe: %m");
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return log_error_errno(-errno, "cannot fork the monitor: %m");
	}
	if (pid == 0) {
		struct monitor_opts o = *mo;
		/* a daemon keeps nothing of its caller's but stdio (until ready):
		 * an inherited pipe would keep e.g. "$(sysc-start d1)" waiting
		 * for the container's whole life; the lock guards only the start */
		if (dup2(pipefd[1], 3) < 0)
			_exit(1);
		syscall(SYS_close_range, 4, ~0U, 0);
		setsid();
		o.ready_fd = 3;
		_exit(monitor_run(&o));
	}
	close(pipefd[1]);
	ssize_t n = fileio_read_all(pipefd[0], &result, sizeof(result));
	close(pipefd[0]);
	if (n != sizeof(result)) {
		int status = 0;
		waitpid(pid, &status, 0);
		log_error("the monitor of %s died during start", mo->conf->name);
		return -EIO;
	}
	if (result < 0)
		waitpid(pid, NULL, 0); /* it has cleaned up and exits */
	return result;
}

/* The config, read once under the container's lock. An unprivileged
 * container without its id range (made privileged, then switched with
 * sysc-config) gets one now, and the config is read again with it. */
static int load_conf(const struct sysc_paths *p, const char *name, struct sysc_conf **ret)
{
	_cleanup_free_ char *cfg = paths_container_config(p, name);
	int r;

	if (!cfg)
		return -ENOMEM;
	r = store_load_conf(p, name, ret); /* valid (logged) */
	if (r < 0 || ((*ret)->security.privileged && (*ret)->n_idmap == 0))
		return r;
	r = idmap_ensure_conf(p, name, cfg, *ret);
	if (r > 0) {
		conf_free(TAKE_PTR(*ret));
		r = store_load_conf(p, name, ret);
	}
	if (r == 0 && (*ret)->security.privileged && (*ret)->n_idmap > 0) {
		log_error("%s: idmap is set but security.privileged is true: set "
			  "security.privileged = false to run it in a user namespace, or unset "
			  "idmap",
			  name);
		return -EINVAL;
	}
	return r;
}

int start_container(const struct sysc_paths *p, const char *name, const struct start_opts *o)
{
	_cleanup_(conf_freep) struct sysc_conf *conf = NULL;
	_cleanup_close_ int lock = -EBADF;
	struct monitor_opts mo = {.paths = p, .ready_fd = -1};
	int r = store_check_container(p, name); /* exists (logged) */

	if (r < 0)
		return r;
	lock = lock_container(p, name);
	if (lock < 0)
		return lock;
	r = load_conf(p, name, &conf);
	if (r < 0)
		return r;
	if (conf->security.nesting && conf->security.privileged) {
		log_error("%s: security.nesting needs security.privileged = false (nesting in a "
			  "privileged container would give its root the host's /proc and /sys "
			  "uncovered)",
			  name);
		return -EINVAL;
	}
	r = check_stopped(p, name);
	if (r < 0)
		return r;
	mo.conf = conf;
	mo.cmd = o->cmd && o->cmd[0] ? o->cmd : conf->init.cmd;
	if (mo.cmd[0][0] != '/') {
		log_error("init command \"%s\" must be an absolute path", mo.cmd[0]);
		return -EINVAL;
	}
	r = preflight_host(conf);
	if (r < 0)
		return r;
	r = spawn_monitor(&mo);
	if (r < 0)
		return r;
	return 0;
}
