/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * User namespaces of unprivileged containers: the id mappings of the config
 * (idmap), written for a new init, and the host ids of the container's root.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

struct sysc_conf;

/* Do we (sysc itself) run in the initial user namespace? false inside a
 * container (sysc inside sysc): no device BPF programs, no idmapped mounts
 * of filesystems the initial namespace mounted. */
bool userns_self_initial(void);
/* Does the container run in a user namespace (security.privileged = false;
 * its idmap is then set, see lib/idmap.h)? */
bool userns_enabled(const struct sysc_conf *conf);
/* The host uid and gid of the container's root (id 0 inside); -EINVAL
 * (logged) when the idmap does not map 0. */
int userns_root(const struct sysc_conf *conf, uid_t *ret_uid, gid_t *ret_gid);
/* Write /proc/PID/uid_map and gid_map from the config's idmap. */
int userns_write_maps(const struct sysc_conf *conf, pid_t pid);
/* Map a container id to the host ('u' or 'g'); (uid_t)-1 if unmapped. */
uid_t userns_to_host(const struct sysc_conf *conf, char kind, uid_t id);
/* "0:100000:65536" style text of the mapping of kind ('u' or 'g'), for
 * sysc-info and sysc-ls. */
char *userns_describe(const struct sysc_conf *conf, char kind);
