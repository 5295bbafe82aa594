/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/info.h"
#include "cgroup/cgroup.h"
#include "config/config.h"
#include "lib/paths.h"
#include "lib/state.h"
#include "lib/store.h"
#include "net/net.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/strv.h"
#include "userns/userns.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int add(struct info *info, const char *key, const char *label, char *value)
{
	struct info_item *n = realloc(info->items, (info->n_items + 1) * sizeof(*n));

	if (!n) {
		free(value);
		return -ENOMEM;
	}
	info->items = n;
	info->items[info->n_items++] =
		(struct info_item){.key = key, .label = label, .value = value};
	return 0;
}

static int add_str(struct info *info, const char *key, const char *label, const char *v)
{
	char *d = v ? strdup(v) : NULL;

	if (v && !d)
		return -ENOMEM;
	return add(info, key, label, d);
}

static int add_num(struct info *info, const char *key, const char *label, uint64_t v)
{
	int r = add(info, key, label, v == UINT64_MAX ? NULL : str_printf("%" PRIu64, v));

	if (r == 0 && v != UINT64_MAX) {
		info->items[info->n_items - 1].is_number = true;
		info->items[info->n_items - 1].number = v;
	}
	return r;
}

static char *human_bytes(uint64_t v)
{
	static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double d = (double)v;
	int u = 0;

	if (v == UINT64_MAX)
		return NULL;
	while (d >= 1024 && u < 4) {
		d /= 1024;
		u++;
	}
	return u ? str_printf("%.1f %s", d, unit[u]) : str_printf("%" PRIu64 " B", v);
}

/* Shown human-readable in the table, as a number of bytes in JSON. */
static int add_bytes(struct info *info, const char *key, const char *label, uint64_t v)
{
	int r = add(info, key, label, human_bytes(v));

	if (r == 0 && v != UINT64_MAX) {
		info->items[info->n_items - 1].is_number = true;
		info->items[info->n_items - 1].number = v;
	}
	return r;
}

/* One item per interface (net_describe); type "none" is also a warning. */
static int add_network(struct info *info, const struct sysc_paths *p, const struct sysc_conf *c)
{
	static const char *const keys[] = {"network0", "network1", "network2", "network3",
					   "network4", "network5", "network6", "network7"};
	_cleanup_strv_ char **lines = NULL;
	_cleanup_free_ char *key = paths_container_key(p, c->name);
	struct net_env env;
	int r;

	paths_net_env(p, &env);
	r = key ? net_describe(c, key, &env, &lines) : -ENOMEM;

	if (r == 0 && !net_private_netns(c))
		log_warn("%s shares the host's network namespace (network type \"none\")", c->name);
	for (size_t i = 0; r == 0 && lines && lines[i] && i < ARRAY_SIZE(keys); i++)
		r = add_str(info, keys[i], i == 0 ? "Network:" : "", lines[i]);
	return r;
}

static int add_static(struct info *info, const struct sysc_paths *p, const struct sysc_conf *c)
{
	_cleanup_strv_ char **ips = NULL;
	_cleanup_free_ char *ipstr = NULL, *portstr = NULL;
	int r = 0;

	for (size_t i = 0; i < c->n_network; i++)
		for (size_t k = 0; c->network[i].ipv4 && c->network[i].ipv4[k]; k++)
			if (strv_push(&ips, c->network[i].ipv4[k]) < 0)
				return -ENOMEM;
	ipstr = ips ? strv_join(ips, ", ") : NULL;
	if (!ips) {
		/* a pool address of a managed network, once leased */
		_cleanup_free_ char *key = paths_container_key(p, c->name);
		struct net_env env;

		paths_net_env(p, &env);
		if (key && net_first_address(c, key, &env, &ipstr) < 0)
			ipstr = NULL;
	}
	portstr = c->ports && c->ports[0] ? strv_join(c->ports, ", ") : NULL;
	r = r ?: add_str(info, "hostname", "Hostname:", c->hostname);
	r = r ?: add_str(info, "uuid", "UUID:", c->uuid);
	r = r ?: add_str(info, "template", "Template:", c->template);
	r = r ?: add_str(info, "backend", "Backend:", c->rootfs.backend);
	r = r ?: add(info, "rootfs", "Rootfs:", paths_container_rootfs(p, c->name));
	r = r ?: add_str(info, "config", "Config:", c->file);
	r = r ?: add_str(info, "init", "Init:", c->init.cmd ? c->init.cmd[0] : NULL);
	r = r
		    ?: add(info, "uid_map", "UID map:",
			   userns_enabled(c) ? userns_describe(c, 'u')
					     : strdup("none (privileged)"));
	r = r
		    ?: add(info, "gid_map", "GID map:",
			   userns_enabled(c) ? userns_describe(c, 'g')
					     : strdup("none (privileged)"));
	r = r ?: add_str(info, "autostart", "Autostart:", c->autostart.enabled ? "yes" : "no");
	r = r ?: add_str(info, "ipv4", "IPv4:", ipstr);
	r = r ?: add_str(info, "ports", "Ports:", portstr);
	r = r ?: add_network(info, p, c);
	return r;
}

/* Usage beyond the basics above: CPU time, pids limit, I/O. */
static int info_add_usage(struct info *info, const struct cgroup_stats *s)
{
	char *cpu =
		s->cpu_usec == UINT64_MAX ? NULL : str_printf("%.3f s", (double)s->cpu_usec / 1e6);
	int r = add(info, "cpu_time", "CPU time:", cpu);

	/* pids_max is UINT64_MAX both for "max" and for unknown: tell by pids_current */
	if (r == 0 && s->pids_max == UINT64_MAX)
		r = add_str(info, "pids_max",
			    "Pids max:", s->pids_current == UINT64_MAX ? NULL : "max");
	else if (r == 0)
		r = add_num(info, "pids_max", "Pids max:", s->pids_max);
	r = r ?: add_bytes(info, "io_read_bytes", "I/O read:", s->io_read_bytes);
	r = r ?: add_bytes(info, "io_write_bytes", "I/O written:", s->io_write_bytes);
	return r;
}

static int add_runtime(struct info *info, const struct sysc_paths *p, const char *name,
		       const struct state_info *st)
{
	struct cgroup_set *cg = NULL;
	struct cgroup_stats s;
	int r = 0;

	if (st->state == STATE_STOPPED)
		return 0;
	r = r ?: add_num(info, "pid", "PID:", (uint64_t)st->init_pid);
	r = r
		    ?: add_str(info, "monitor", "Monitor:",
			       st->monitor_alive ? "running" : "gone (container still managed)");
	if (r == 0 && st->started > 0) {
		time_t now = time(NULL);
		r = add_num(info, "uptime_seconds",
			    "Uptime (s):", (uint64_t)(now > st->started ? now - st->started : 0));
	}
	memset(&s, 0xff, sizeof(s)); /* all UINT64_MAX: unknown */
	_cleanup_free_ char *key = paths_container_key(p, name);
	if (r == 0 && key && cgroup_open(p->cgroup_parent, key, &cg) == 0) {
		cgroup_stats(cg, &s);
		r = r ?: add_str(info, "cgroup", "Cgroup:", cgroup_v2_relpath(cg));
		cgroup_set_free(cg);
	}
	r = r ?: add_bytes(info, "memory_bytes", "Memory:", s.memory_current);
	r = r ?: add_bytes(info, "memory_peak_bytes", "Memory peak:", s.memory_peak);
	r = r ?: add_num(info, "cpu_usec", "CPU (usec):", s.cpu_usec);
	r = r ?: add_num(info, "pids", "Processes:", s.pids_current);
	return r ?: info_add_usage(info, &s);
}

/* A stopped container that stopped by itself says why (the monitor's
 * <store>/<name>/stop-reason, e.g. a reboot loop). */
static int add_stop_reason(struct info *info, const struct sysc_paths *p, const char *name,
			   const struct state_info *st)
{
	_cleanup_free_ char *dir = paths_container_dir(p, name), *path = NULL, *data = NULL;
	int r;

	if (st->state != STATE_STOPPED)
		return 0;
	path = dir ? str_printf("%s/stop-reason", dir) : NULL;
	if (!path)
		return -ENOMEM;
	r = fileio_read_at(AT_FDCWD, path, &data, NULL);
	if (r == -ENOENT)
		return 0;
	return r < 0 ? r : add(info, "stop_reason", "Stop reason:", TAKE_PTR(data));
}

int info_collect(const struct sysc_paths *p, const char *name, struct info **ret)
{
	struct sysc_conf *conf = NULL;
	struct info *info = calloc(1, sizeof(*info));
	struct state_info st;
	int r;

	if (!info)
		return -ENOMEM;
	r = store_load_conf(p, name, &conf);
	if (r == 0)
		r = state_read(p, name, &st);
	r = r ?: add_str(info, "name", "Name:", name);
	r = r ?: add_str(info, "state", "State:", state_name(st.state));
	r = r ?: add_stop_reason(info, p, name, &st);
	r = r ?: add_runtime(info, p, name, &st);
	r = r ?: add_static(info, p, conf);
	conf_free(conf);
	if (r < 0) {
		info_free(info);
		return r;
	}
	*ret = info;
	return 0;
}

void info_free(struct info *info)
{
	if (!info)
		return;
	for (size_t i = 0; i < info->n_items; i++)
		free(info->items[i].value);
	free(info->items);
	free(info);
}
