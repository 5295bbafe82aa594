/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/state.h"
#include "cgroup/cgroup.h"
#include "lib/paths.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/proc.h"
#include "util/strv.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const names[_STATE_MAX] = {
	[STATE_STOPPED] = "STOPPED",   [STATE_STARTING] = "STARTING", [STATE_RUNNING] = "RUNNING",
	[STATE_STOPPING] = "STOPPING", [STATE_ABORTING] = "ABORTING", [STATE_FROZEN] = "FROZEN",
};

const char *state_name(enum sysc_state s)
{
	return s < _STATE_MAX ? names[s] : "UNKNOWN";
}

int state_parse(const char *s, enum sysc_state *ret)
{
	for (int i = 0; i < _STATE_MAX; i++)
		if (strcasecmp(s, names[i]) == 0) {
			*ret = (enum sysc_state)i;
			return 0;
		}
	return -EINVAL;
}

uint64_t state_proc_starttime(pid_t pid)
{
	return proc_starttime(pid);
}

int state_write(const char *run_dir, const char *store, const struct state_info *info)
{
	_cleanup_free_ char *path = str_printf("%s/state", run_dir);
	_cleanup_free_ char *buf = NULL;

	if (!path)
		return -ENOMEM;
	buf = str_printf("state=%s\ninit_pid=%d\ninit_start=%" PRIu64 "\nmonitor_pid=%d\n"
			 "monitor_start=%" PRIu64 "\nstarted=%" PRId64 "\nstore=%s\n",
			 state_name(info->state), (int)info->init_pid, info->init_start,
			 (int)info->monitor_pid, info->monitor_start, info->started, store);
	if (!buf)
		return -ENOMEM;
	return fileio_replace_at(AT_FDCWD, path, buf, strlen(buf), 0644);
}

static void parse_line(char *line, struct state_info *s, const char **store)
{
	char *eq = strchr(line, '=');

	if (!eq)
		return;
	*eq++ = '\0';
	if (!strcmp(line, "state"))
		state_parse(eq, &s->state);
	else if (!strcmp(line, "init_pid"))
		s->init_pid = (pid_t)strtol(eq, NULL, 10);
	else if (!strcmp(line, "init_start"))
		s->init_start = strtoull(eq, NULL, 10);
	else if (!strcmp(line, "monitor_pid"))
		s->monitor_pid = (pid_t)strtol(eq, NULL, 10);
	else if (!strcmp(line, "monitor_start"))
		s->monitor_start = strtoull(eq, NULL, 10);
	else if (!strcmp(line, "started"))
		s->started = strtoll(eq, NULL, 10);
	else if (!strcmp(line, "store"))
		*store = eq;
}

static bool alive(pid_t pid, uint64_t start)
{
	return pid > 0 && start != 0 && state_proc_starttime(pid) == start;
}

int state_read_runtime(const struct sysc_paths *p, const char *name, struct state_info *ret)
{
	_cleanup_free_ char *run = paths_container_run(p, name), *data = NULL;
	_cleanup_free_ char *path = run ? str_printf("%s/state", run) : NULL;
	struct state_info s = {.state = STATE_STOPPED};
	const char *store = NULL;
	char *save = NULL;
	int r;

	if (!path)
		return -ENOMEM;
	r = fileio_read_at(AT_FDCWD, path, &data, NULL);
	if (r == -ENOENT || r == -ENOTDIR) {
		*ret = s;
		return 0;
	}
	if (r < 0)
		return r;
	for (char *l = strtok_r(data, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		parse_line(l, &s, &store);
	/* another store's (e.g. sysc.conf's path changed while it ran): not
	 * this container's, and not stale either. Monitors before the store
	 * line was written ran only the default store's (doc/architecture.md). */
	if (store ? strcmp(store, p->store_real) != 0 : !p->store_default) {
		*ret = (struct state_info){.state = STATE_STOPPED};
		return 0;
	}
	s.monitor_alive = alive(s.monitor_pid, s.monitor_start);
	if (!s.monitor_alive) {
		bool init_alive = alive(s.init_pid, s.init_start);
		if (!init_alive) {
			s.stale = true;
			s.state = STATE_STOPPED;
			s.init_pid = 0;
		} else if (s.state != STATE_FROZEN) {
			s.state = STATE_RUNNING;
		}
	}
	*ret = s;
	return 0;
}

int state_read(const struct sysc_paths *p, const char *name, struct state_info *ret)
{
	_cleanup_free_ char *key = paths_container_key(p, name);
	int r = key ? state_read_runtime(p, name, ret) : -ENOMEM;

	/* frozen is a fact of the cgroup, whoever froze it and whether or not the monitor lives */
	if (r == 0 && ret->state == STATE_RUNNING && cgroup_is_frozen(p->cgroup_parent, key))
		ret->state = STATE_FROZEN;
	return r;
}
