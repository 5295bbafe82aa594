/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/live-limits.h"
#include "cgroup/cgroup.h"
#include "config/config.h"
#include "lib/config-set.h"
#include "lib/lock.h"
#include "lib/paths.h"
#include "lib/state.h"
#include "lib/store.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strv.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

/* "cgroup.memory.max" or "memory.max" -> "memory.max"; NULL if not a limit (logged). */
static const char *limit_key(const char *key)
{
	const char *k = str_startswith(key, "cgroup.") ? key + strlen("cgroup.") : key;

	if (cgroup_limit_key_known(k))
		return k;
	log_error("unknown cgroup key \"%s\" (known: memory.max memory.high memory.swap.max "
		  "cpu.max cpu.weight cpuset.cpus cpuset.mems pids.max io.max io.weight)",
		  key);
	return NULL;
}

/* The container's cgroups, if it runs: 1 with *ret set, 0 if stopped, -errno. */
static int open_running(const struct sysc_paths *p, const char *name, struct cgroup_set **ret)
{
	struct state_info st;
	int r = store_read_state(p, name, &st);

	if (r < 0)
		return r;
	if (st.state == STATE_STOPPED)
		return 0;
	_cleanup_free_ char *key = paths_container_key(p, name);
	r = key ? cgroup_open(p->cgroup_parent, key, ret) : -ENOMEM;
	if (r < 0)
		return log_error_errno(r, "cannot find the cgroups of %s: %m", name);
	return 1;
}

int limits_get(const struct sysc_paths *p, const char *name, const char *key, FILE *out)
{
	_cleanup_(cgroup_set_freep) struct cgroup_set *cg = NULL;
	_cleanup_free_ char *v = NULL;
	const char *k = limit_key(key);
	int r;

	if (!k)
		return -EINVAL;
	r = open_running(p, name, &cg);
	if (r == 0)
		return log_error_errno(-ESRCH,
				       "container %s is not running (its configured value: "
				       "sysc-config %s cgroup.%s)",
				       name, name, k);
	if (r < 0)
		return r;
	r = cgroup_get_limit(cg, k, &v);
	if (r < 0)
		return r;
	fprintf(out, "%s\n", v);
	return 0;
}

/* A live cpu.max moves the container's CPU pinning (resources.cpu_pinning),
 * unless its config pins it (cgroup.cpuset.cpus) or says "off". */
static int pin_live(const struct sysc_paths *p, const char *name, struct cgroup_set *cg,
		    const struct conf_cgroup *new)
{
	struct sysc_conf *cur = NULL;
	struct conf_cgroup c;
	int r = store_load_conf(p, name, &cur);

	if (r < 0)
		return r;
	c = cur->cgroup;
	c.cpu_max_quota = new->cpu_max_quota;
	c.cpu_max_period = new->cpu_max_period;
	r = cgroup_apply_cpu_pinning(cg, &c, cur->resources.cpu_pinning, true);
	conf_free(cur);
	return r;
}

int limits_set(const struct sysc_paths *p, const char *name, const char *key, const char *value,
	       bool do_save)
{
	_cleanup_(cgroup_set_freep) struct cgroup_set *cg = NULL;
	_cleanup_free_ char *ckey = NULL;
	_cleanup_close_ int lock = -EBADF;
	struct sysc_conf *c = NULL;
	const char *k = limit_key(key);
	int r, running;

	if (!k)
		return -EINVAL;
	ckey = str_printf("cgroup.%s", k);
	if (!ckey)
		return -ENOMEM;
	/* the config's own parser and validation; logs "cgroup.KEY: reason" */
	r = conf_parse_key(ckey, value, &c);
	if (r < 0)
		return r;
	lock = lock_container(p, name);
	running = lock < 0 ? lock : open_running(p, name, &cg);
	if (running == 0 && !do_save)
		r = log_error_errno(-ESRCH,
				    "container %s is not running (--save changes its config only)",
				    name);
	else if (running < 0)
		r = running;
	if (r == 0 && running > 0)
		r = cgroup_apply_limit(cg, &c->cgroup, k);
	if (r == 0 && running > 0 && !strcmp(k, "cpu.max"))
		r = pin_live(p, name, cg, &c->cgroup);
	if (r == 0 && do_save)
		r = config_set_key_unlocked(p, name, ckey, value);
	conf_free(c);
	return r;
}
