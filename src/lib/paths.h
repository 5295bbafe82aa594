/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Where things live on the host. Every path has a built-in default, a key in
 * /etc/sysc/sysc.conf, and an environment variable; a command-line --path
 * beats them all for the store. Tests use private trees through these.
 *
 *   store      --path, $SYSC_PATH, sysc.conf path        /var/lib/sysc
 *   cache      $SYSC_CACHE_DIR, sysc.conf cache_dir      /var/cache/sysc
 *   run        $SYSC_RUN_DIR, sysc.conf run_dir          /run/sysc
 *   conf_dir   $SYSC_CONF_DIR                            /etc/sysc
 *   templates  $SYSC_TEMPLATE_DIR                        <datadir>/sysc/templates
 *   cgroup     $SYSC_CGROUP_PARENT                       sysc
 */
#pragma once

struct sysc_global;

struct sysc_paths {
	char *store;
	char *cache;
	char *run;
	char *conf_dir;
	char *templates;
	char *hooks;
	char *cgroup_parent;
	char *default_conf; /* <conf_dir>/default.conf */
	struct sysc_global *global;
};

/* store_override: the --path option or NULL. Logs config errors. */
int paths_load(const char *store_override, struct sysc_paths **ret);
void paths_free(struct sysc_paths *p);

/* <store>/<name>, <store>/<name>/config, <store>/<name>/rootfs, <run>/<name> */
char *paths_container_dir(const struct sysc_paths *p, const char *name);
char *paths_container_config(const struct sysc_paths *p, const char *name);
char *paths_container_rootfs(const struct sysc_paths *p, const char *name);
char *paths_container_run(const struct sysc_paths *p, const char *name);
