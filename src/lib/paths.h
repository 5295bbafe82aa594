/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Where things live on the host. Every path has a built-in default, a key in
 * /etc/sysc/sysc.conf, and an environment variable; a command-line --path
 * beats them all for the store. Tests use private trees through these.
 *
 *   store      --path, $SYSC_PATH, sysc.conf path        /var/lib/sysc
 *   cache      $SYSC_CACHE_DIR, sysc.conf cache_dir      /var/cache/sysc
 *   run        $SYSC_RUN_DIR, sysc.conf run_dir          /run/sysc
 *   state      $SYSC_STATE_DIR, sysc.conf state_dir      /var/lib/sysc/.host
 *   conf_dir   $SYSC_CONF_DIR                            /etc/sysc
 *   templates  $SYSC_TEMPLATE_DIR                        <datadir>/sysc/templates
 *   cgroup     $SYSC_CGROUP_PARENT                       sysc
 *
 * Several stores can share one host (--path, $SYSC_PATH): whatever a
 * container has in host-wide namespaces (its runtime dir, lock, cgroups,
 * generated link names and MACs) is named by its key, paths_container_key():
 * NAME for the default store (the one sysc.conf's path names), NAME@STOREID
 * for any other, STOREID being 12 hex digits of a hash of the store's
 * canonical path. '@' is not allowed in names and sysc's own files in the
 * runtime dir start with '.', which names cannot: nothing collides.
 */
#pragma once

#include <stdbool.h>

struct sysc_global;
struct net_env;

struct sysc_paths {
	char *store;
	char *cache;
	char *run;
	char *state; /* host-wide, shared by all stores: the id range registry */
	char *conf_dir;
	char *templates;
	char *hooks;
	char *cgroup_parent;
	char *default_conf; /* <conf_dir>/default.conf */
	char *global_conf;  /* <conf_dir>/sysc.conf */
	char *store_real;   /* the store's canonical path (as far as it exists) */
	char store_id[13];  /* 12 hex digits of a hash of store_real */
	bool store_default; /* store_real is the configured store: plain names */
	struct sysc_global *global;
};

/* store_override: the --path option or NULL. Logs config errors. */
int paths_load(const char *store_override, struct sysc_paths **ret);
void paths_free(struct sysc_paths *p);

/* <store>/<name>, <store>/<name>/config, <store>/<name>/rootfs, <run>/<key> */
char *paths_container_dir(const struct sysc_paths *p, const char *name);
char *paths_container_config(const struct sysc_paths *p, const char *name);
char *paths_container_rootfs(const struct sysc_paths *p, const char *name);
char *paths_container_run(const struct sysc_paths *p, const char *name);
/* NAME (default store) or NAME@STOREID: the container's host-wide name, used
 * for its cgroups, runtime dir, lock, and the hashes of link names and MACs */
char *paths_container_key(const struct sysc_paths *p, const char *name);
/* <run>/.locks/<key>: the container's lock */
char *paths_container_lock(const struct sysc_paths *p, const char *name);

/* Where src/net keeps the managed networks: sysc.conf (records), state
 * (leases, lock), run (containers' records, DNS), the default bridge. The
 * strings belong to p. */
void paths_net_env(const struct sysc_paths *p, struct net_env *ret);
