/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/paths.h"
#include "config/config.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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

void paths_free(struct sysc_paths *p)
{
	if (!p)
		return;
	free(p->store);
	free(p->cache);
	free(p->run);
	free(p->conf_dir);
	free(p->templates);
	free(p->hooks);
	free(p->cgroup_parent);
	free(p->default_conf);
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
	p->templates = pick(getenv("SYSC_TEMPLATE_DIR"), NULL, NULL, SYSC_TEMPLATEDIR);
	p->hooks = pick(getenv("SYSC_HOOK_DIR"), NULL, NULL, SYSC_HOOKDIR);
	p->cgroup_parent = pick(getenv("SYSC_CGROUP_PARENT"), NULL, NULL, "sysc");
	p->default_conf = str_printf("%s/default.conf", p->conf_dir);
	if (!p->store || !p->cache || !p->run || !p->templates || !p->hooks || !p->cgroup_parent ||
	    !p->default_conf) {
		paths_free(p);
		return -ENOMEM;
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

char *paths_container_run(const struct sysc_paths *p, const char *name)
{
	return str_printf("%s/%s", p->run, name);
}
