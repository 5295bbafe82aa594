/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The steps of mount_setup_root() that live in their own files (dev.c,
 * extra.c, mask.c), called by mount.c in its setup sequence; built on the
 * in-root helpers (in-root.h). Not part of the module's contract.
 */
#pragma once

#include <stdbool.h>

#include "mount/in-root.h"

struct conf_mount;
/* One of the config's extra mounts (extra.c). Logs. */
/* prepared >= 0: the bind mount's tree, made by the monitor (see
 * mount_extra_bind_tree in mount.h) */
int mount_extra(const struct mount_ctx *ctx, const struct conf_mount *m, int prepared);

/* The /dev part: tmpfs, nodes, devpts, ptmx, console, ttys, links, shm, mqueue. */
int mount_setup_dev(const struct mount_ctx *ctx);

/* views.c: lxcfs's files over /proc and /sys/devices/system/cpu (after
 * both are mounted); on hybrid hosts the v1 hierarchies read-only at
 * /run/host/cgroup/<name>: their mount points made while /run/host is
 * writable (mount_cgroup_v1_dirs), mounted after (mount_cgroup_v1). Log. */
int mount_setup_views(const struct mount_ctx *ctx);
int mount_cgroup_v1_dirs(const struct mount_ctx *ctx);
int mount_cgroup_v1(const struct mount_ctx *ctx);

/* Mask the host-revealing files of /proc (sys false) or /sys (true) (mask.c). Logs. */
int mount_mask_paths(const struct mount_ctx *ctx, bool sys);

/* sysfs on path: a new one for our netns, or the host's /sys read-only
 * when we share the host's network in a user namespace (mount.c). Logs. */
int mount_sysfs(const struct mount_ctx *ctx, const char *path);

/* security.nesting (nesting.c): the uncovered proc and sysfs in
 * /dev/.sysc, and the cgroup hierarchies of a hybrid host. Log. */
int mount_nesting(const struct mount_ctx *ctx);
int mount_nesting_cgroups(const struct mount_ctx *ctx);
