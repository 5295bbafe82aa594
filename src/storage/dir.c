/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The dir backend: a container's rootfs is a plain directory, a full copy of
 * the template cache (reflink where the filesystem can). */
#include "storage/copy.h"
#include "storage/storage.h"
#include "util/fileio.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

static int dir_usable(const char *store_path)
{
	return 1;
}

static int dir_create_from_cache(const struct storage_ctx *ctx, const char *cache_path,
				 int dst_dirfd, const char *dst)
{
	int r = copy_tree_at(AT_FDCWD, cache_path, dst_dirfd, dst);

	if (r < 0)
		fileio_rm_rf_at(dst_dirfd, dst);
	return r;
}

static int dir_create_empty(const struct storage_ctx *ctx, int dst_dirfd, const char *dst)
{
	if (mkdirat(dst_dirfd, dst, 0755) < 0)
		return log_error_errno(-errno, "cannot create rootfs directory %s: %m", dst);
	return 0;
}

static int dir_mount(const struct storage_ctx *ctx, const char *rootfs_path, const char *target)
{
	if (mount(rootfs_path, target, NULL, MS_BIND | MS_REC, NULL) < 0)
		return log_error_errno(-errno, "cannot bind-mount %s on %s: %m", rootfs_path,
				       target);
	return 0;
}

static int dir_destroy(const struct storage_ctx *ctx, int dirfd, const char *name)
{
	int r = fileio_rm_rf_at(dirfd, name);

	if (r == -EBUSY)
		return log_error_errno(
			r, "cannot remove rootfs of %s: something is mounted inside it", ctx->name);
	if (r < 0)
		return log_error_errno(r, "cannot remove rootfs of %s: %s", ctx->name,
				       strerror(-r));
	return 0;
}

const struct storage_ops storage_dir_ops = {
	.name = "dir",
	.usable = dir_usable,
	.create_from_cache = dir_create_from_cache,
	.create_empty = dir_create_empty,
	.mount = dir_mount,
	.destroy = dir_destroy,
};
