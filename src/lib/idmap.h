/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Host id ranges of unprivileged containers: every container with
 * security.privileged = false and no idmap of its own gets 65536 uids and
 * gids of its own (IDMAP_NESTING with security.nesting), recorded in its
 * config (so they stay the same), from root's ranges in /etc/subuid and
 * /etc/subgid or, when root has none there, from the ids of our own user
 * namespace (sysc inside a container) or 1000000-1999999999 (as LXD does);
 * never ids another user has in /etc/subuid or /etc/subgid.
 */
#pragma once

#include <stddef.h>

struct sysc_paths;
struct sysc_conf;

#define IDMAP_BLOCK 65536u
/* security.nesting: room for the guest's own /etc/subuid ranges (Debian
 * gives its first user 100000:65536) and a nested sysc's containers */
#define IDMAP_NESTING (4u * IDMAP_BLOCK)

/* Container name (config file cfg) is unprivileged without an idmap: give
 * it a free range and write it into cfg (under a host-wide lock). 0 when
 * nothing was needed or it was done; -errno, logged. Ranges are allocated
 * host-wide: no two stores give out the same one (<state>/idmap, paths.h).
 * A container that has its range is registered there if it is not yet. */
int idmap_ensure(const struct sysc_paths *p, const char *name, const char *cfg);
/* The same for c, the config as loaded from cfg: 1 when a range was written
 * into cfg (c is out of date then), 0 when nothing was needed. */
int idmap_ensure_conf(const struct sysc_paths *p, const char *name, const char *cfg,
		      const struct sysc_conf *c);

/* Container uuid of this store was destroyed: its ranges are free again
 * (host-wide registry in <state>/idmap). */
int idmap_release(const struct sysc_paths *p, const char *uuid);

struct conf_idmap;
/* The chown-shift fallback (userns/shift.h): make the owners on disk of
 * the rootfs of conf, as the detached tree `tree` shows it, those of
 * mapping `to` (none: the container's own ids), from what *on_disk (its
 * rootfs.shifted, malloc'd) says they are, and record `to` in its config
 * and in *on_disk. 0 when nothing was to do or it was done; -errno, logged. */
int idmap_shift_rootfs(const struct sysc_paths *p, const struct sysc_conf *conf, char **on_disk,
		       int tree, const struct conf_idmap *to, size_t n_to);
