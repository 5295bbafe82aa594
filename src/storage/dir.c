/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The dir backend: a container's rootfs is a plain directory, a full copy of
 * the template cache (reflink where the filesystem can). */
#include "storage/copy-tree.h"
#include "storage/storage.h"
#include "util/fileio.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

static int dir_usable(const struct storage_ctx *ctx, bool explain)
{
	return 1;
}

static int dir_create_from_cache(const struct storage_ctx *ctx, const struct storage_cache *cache,
				 int entry_fd)
{
	int r = copy_tree_at(AT_FDCWD, cache->rootfs, entry_fd, "rootfs");

	if (r < 0)
		fileio_rm_rf_at(entry_fd, "rootfs");
	return r;
}

static int dir_create_empty(const struct storage_ctx *ctx, int entry_fd)
{
	if (mkdirat(entry_fd, "rootfs", 0755) < 0)
		return log_error_errno(-errno, "cannot create rootfs directory of %s: %m",
				       ctx->name);
	return 0;
}

static int dir_clone(const struct storage_ctx *src_ctx, int src_entry_fd,
		     const struct storage_ctx *dst_ctx, int dst_entry_fd, unsigned flags)
{
	int r;

	if (flags & STORAGE_CLONE_SNAPSHOT) {
		log_error("the dir backend of %s cannot make copy-on-write snapshots "
			  "(use btrfs, overlay or lvm, or copy without -s)",
			  src_ctx->name);
		return -EOPNOTSUPP;
	}
	r = copy_tree_at(src_entry_fd, "rootfs", dst_entry_fd, "rootfs");
	if (r < 0)
		fileio_rm_rf_at(dst_entry_fd, "rootfs");
	return r;
}

static int dir_destroy(const struct storage_ctx *ctx, int entry_fd)
{
	int r = fileio_rm_rf_at(entry_fd, "rootfs");

	if (r == -EBUSY)
		return log_error_errno(
			r, "cannot remove rootfs of %s: something is mounted inside it", ctx->name);
	if (r < 0)
		return log_error_errno(r, "cannot remove rootfs of %s: %m", ctx->name);
	return 0;
}

const struct storage_ops storage_dir_ops = {
	.name = "dir",
	.usable = dir_usable,
	.create_from_cache = dir_create_from_cache,
	.create_empty = dir_create_empty,
	.clone = dir_clone,
	.destroy = dir_destroy,
};
