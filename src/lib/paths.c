/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/paths.h"
#include "config/config.h"
#include "net/net.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strv.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef SYSC_SYSCONFDIR
#define SYSC_SYSCONFDIR "/etc/sysc"
#endif
#ifndef SYSC_TEMPLATEDIR
#define SYSC_TEMPLATEDIR "/usr/share/sysc/templates"
#endif
#ifndef SYSC_HOOKDIR
#define SYSC_HOOKDIR "/usr/share/sysc/hooks"
#endif

static char *pick(const char *a, const char *b, const char *c, const char *fallback)
{
	const char *v = a && *a ? a : b && *b ? b : c && *c ? c : fallback;
	size_t len = strlen(v);
	char *s = strdup(v);

	/* no trailing slashes: paths are joined with "/" */
	while (s && len > 1 && s[len - 1] == '/')
		s[--len] = '\0';
	return s;
}

/* realpath() of path, or of its nearest existing parent with the rest
 * appended (a store is made by its first create) */
static char *canonical(const char *path)
{
	_cleanup_free_ char *parent = NULL, *abs = NULL;
	char *r, *slash;

	if (path[0] != '/') {
		char cwd[PATH_MAX];
		if (!getcwd(cwd, sizeof(cwd)))
			return NULL;
		abs = str_printf("%s/%s", cwd, path);
		return abs ? canonical(abs) : NULL;
	}
	r = realpath(path, NULL);
	if (r || errno != ENOENT)
		return r;
	parent = strdup(path);
	if (!parent)
		return NULL;
	slash = strrchr(parent, '/');
	*slash = '\0';
	if (slash == parent) /* "/x" */
		return strdup(path);
	r = canonical(parent);
	if (!r)
		return NULL;
	abs = str_printf("%s%s%s", r, strcmp(r, "/") ? "/" : "", slash + 1);
	free(r);
	return TAKE_PTR(abs);
}

/* Which store this is: its canonical path, its id, whether it is the
 * configured one. */
static int store_identity(struct sysc_paths *p)
{
	_cleanup_free_ char *configured = NULL;
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */

	const char *conf_path = p->global->path ? p->global->path : "/var/lib/sysc";

	p->store_real = canonical(p->store);
	/* (the same path twice: resolved once) */
	configured = strcmp(conf_path, p->store) == 0 && p->store_real ? strdup(p->store_real)
								       : canonical(conf_path);
	if (!p->store_real || !configured)
		return log_error_errno(-errno ?: -ENOMEM, "cannot resolve the store path %s: %m",
				       p->store);
	for (const char *c = p->store_real; *c; c++) {
		h ^= (uint8_t)*c;
		h *= 0x100000001b3ULL;
	}
	snprintf(p->store_id, sizeof(p->store_id), "%012llx",
		 (unsigned long long)(h & 0xffffffffffffULL));
	p->store_default = strcmp(p->store_real, configured) == 0;
	return 0;
}

void paths_free(struct sysc_paths *p)
{
	if (!p)
		return;
	free(p->store);
	free(p->cache);
	free(p->run);
	free(p->state);
	free(p->conf_dir);
	free(p->templates);
	free(p->hooks);
	free(p->cgroup_parent);
	free(p->default_conf);
	free(p->global_conf);
	free(p->store_real);
	conf_global_free(p->global);
	free(p);
}

int paths_load(const char *store_override, struct sysc_paths **ret)
{
	struct sysc_paths *p = calloc(1, sizeof(*p));
	_cleanup_free_ char *global_file = NULL;
	int r;

	if (!p)
		return -ENOMEM;
	p->conf_dir = pick(getenv("SYSC_CONF_DIR"), NULL, NULL, SYSC_SYSCONFDIR);
	global_file = p->conf_dir ? str_printf("%s/sysc.conf", p->conf_dir) : NULL;
	if (!global_file) {
		paths_free(p);
		return -ENOMEM;
	}
	r = conf_global_load(global_file, &p->global);
	if (r < 0) {
		paths_free(p);
		return r;
	}
	p->store = pick(store_override, getenv("SYSC_PATH"), p->global->path, "/var/lib/sysc");
	p->cache = pick(getenv("SYSC_CACHE_DIR"), p->global->cache_dir, NULL, "/var/cache/sysc");
	p->run = pick(getenv("SYSC_RUN_DIR"), p->global->run_dir, NULL, "/run/sysc");
	p->state =
		pick(getenv("SYSC_STATE_DIR"), p->global->state_dir, NULL, "/var/lib/sysc/.host");
	p->templates = pick(getenv("SYSC_TEMPLATE_DIR"), NULL, NULL, SYSC_TEMPLATEDIR);
	p->hooks = pick(getenv("SYSC_HOOK_DIR"), NULL, NULL, SYSC_HOOKDIR);
	p->cgroup_parent = pick(getenv("SYSC_CGROUP_PARENT"), NULL, NULL, "sysc");
	p->default_conf = str_printf("%s/default.conf", p->conf_dir);
	p->global_conf = TAKE_PTR(global_file);
	if (!p->store || !p->cache || !p->run || !p->state || !p->templates || !p->hooks ||
	    !p->cgroup_parent || !p->default_conf) {
		paths_free(p);
		return -ENOMEM;
	}
	r = store_identity(p);
	if (r < 0) {
		paths_free(p);
		return r;
	}
	*ret = p;
	return 0;
}

char *paths_container_dir(const struct sysc_paths *p, const char *name)
{
	return str_printf("%s/%s", p->store, name);
}

char *paths_container_config(const struct sysc_paths *p, const char *name)
{
	return str_printf("%s/%s/config", p->store, name);
}

char *paths_container_rootfs(const struct sysc_paths *p, const char *name)
{
	return str_printf("%s/%s/rootfs", p->store, name);
}

char *paths_container_key(const struct sysc_paths *p, const char *name)
{
	return p->store_default ? strdup(name) : str_printf("%s@%s", name, p->store_id);
}

char *paths_container_run(const struct sysc_paths *p, const char *name)
{
	_cleanup_free_ char *key = paths_container_key(p, name);

	return key ? str_printf("%s/%s", p->run, key) : NULL;
}

char *paths_container_lock(const struct sysc_paths *p, const char *name)
{
	_cleanup_free_ char *key = paths_container_key(p, name);

	return key ? str_printf("%s/.locks/%s", p->run, key) : NULL;
}

void paths_net_env(const struct sysc_paths *p, struct net_env *ret)
{
	*ret = (struct net_env){
		.conf_file = p->global_conf,
		.state_dir = p->state,
		.run_dir = p->run,
		.default_bridge = p->global->bridge ? p->global->bridge : "sysc0",
	};
}
