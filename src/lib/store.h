/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container store: <store>/<name>/{config,rootfs}. Work in progress
 * lives under hidden names (.create-NAME-XXXXXX, .destroy-NAME-XXXXXX)
 * whose directory fd is flock'ed by its owner, so a crashed command's
 * leftovers can be told from live work and swept. */
#pragma once

#include <stdbool.h>

struct sysc_paths;

/* 1 if <store>/<name> exists (a directory with a config), 0 if not. */
int store_exists(const struct sysc_paths *p, const char *name);
/* Names of all containers, sorted. */
int store_list(const struct sysc_paths *p, char ***ret_names);
/* Remove leftovers of interrupted creates/destroys (not locked by anyone). */
int store_sweep(const struct sysc_paths *p);
/* Make a hidden work directory <store>/.<kind>-<name>-XXXXXX, locked.
 * Returns its dirfd (holding the lock) and its name. */
int store_workdir(const struct sysc_paths *p, const char *kind, const char *name, char **ret_name);
/* Check a container name; logs "invalid container name ...". */
int store_check_name(const char *name);
/* Check that container NAME exists and read its state (errors logged). */
struct state_info;
int store_read_state(const struct sysc_paths *p, const char *name, struct state_info *ret);
/* Check a container name and that the container exists (logs). */
int store_check_container(const struct sysc_paths *p, const char *name);
/* Load a container's config, checking it exists (logs). */
struct sysc_conf;
int store_load_conf(const struct sysc_paths *p, const char *name, struct sysc_conf **ret);
/* The storage backend named by backend (NULL: the global default) and its
 * context for container name, with rootfs.size/fstype from conf (may be NULL).
 * Logs an unknown or unusable backend. */
struct storage_ctx;
struct storage_ops;
int store_storage(const struct sysc_paths *p, const char *backend, const struct sysc_conf *conf,
		  const char *name, struct storage_ctx *ret_ctx,
		  const struct storage_ops **ret_ops);
