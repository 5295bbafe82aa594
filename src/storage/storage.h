/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Storage backends: one file per backend behind this ops table. A backend
 * owns how a container's root filesystem is made from a template cache, how it
 * is mounted for a start, and how it is removed.
 */
#pragma once

#include <stdbool.h>

struct sysc_global;

struct storage_ctx {
	const struct sysc_global *global;
	const char *name; /* container name */
};

struct storage_ops {
	const char *name;
	/* Can this backend be used for a store at path (e.g. btrfs needs btrfs)? */
	int (*usable)(const char *store_path);
	/* Make the container rootfs at dst_dirfd/dst from the cache dir cache_path.
	 * dst does not exist; on failure nothing is left at dst. */
	int (*create_from_cache)(const struct storage_ctx *ctx, const char *cache_path,
				 int dst_dirfd, const char *dst);
	/* Make an empty rootfs at dst_dirfd/dst (template without cache). */
	int (*create_empty)(const struct storage_ctx *ctx, int dst_dirfd, const char *dst);
	/* Mount the rootfs (rootfs_path) at target for a start; dir: bind mount. */
	int (*mount)(const struct storage_ctx *ctx, const char *rootfs_path, const char *target);
	/* Remove the rootfs at dirfd/name and everything it owns. Missing is fine. */
	int (*destroy)(const struct storage_ctx *ctx, int dirfd, const char *name);
};

extern const struct storage_ops storage_dir_ops;

/* Look a backend up by name; "best" picks for store_path. NULL if unknown
 * (the caller reports the name). */
const struct storage_ops *storage_find(const char *name, const char *store_path);
/* Names of all backends, for messages and validation. */
const char *const *storage_backend_names(void);
