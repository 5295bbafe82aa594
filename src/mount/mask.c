/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Masked kernel interfaces: files of /proc and /sys that tell too much about
 * the host or change it. A masked file gets the host's /dev/null bound over
 * it (read-only), a masked directory an empty read-only tmpfs. Paths the
 * kernel does not have (no CONFIG_PROC_KCORE, /proc/sched_debug moved to
 * debugfs) are skipped.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mount/in-root.h"
#include "mount/mount-internal.h"
#include "util/cleanup.h"
#include "util/log.h"

static const char *const masked_proc[] = {
	"/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug", "/proc/kallsyms",
};

static const char *const masked_sys[] = {"/sys/firmware"};

static int mask_one(const struct mount_ctx *ctx, const char *path)
{
	_cleanup_close_ int fd = -EBADF, null = -EBADF;
	struct stat st;

	fd = mount_openat_root(ctx, path, O_PATH | O_NOFOLLOW);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0 || fstat(fd, &st) < 0)
		return log_error_errno(fd < 0 ? fd : negative_errno(), "mask %s%s: %m",
				       ctx->spec->rootfs, path);
	if (S_ISDIR(st.st_mode))
		return mount_new_fs(ctx, "tmpfs", "tmpfs", "size=0,mode=0555",
				    MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
					    MOUNT_ATTR_NOEXEC,
				    path, MOUNT_CREATE_NONE);
	null = open("/dev/null", O_PATH | O_CLOEXEC);
	if (null < 0)
		return log_error_errno(negative_errno(), "mask %s%s: open /dev/null: %m",
				       ctx->spec->rootfs, path);
	return mount_bind_fd(ctx, null, "/dev/null", path, MOUNT_ATTR_RDONLY, MOUNT_CREATE_NONE);
}

int mount_mask_paths(const struct mount_ctx *ctx, bool sys)
{
	const char *const *v = sys ? masked_sys : masked_proc;
	size_t n = sys ? ARRAY_SIZE(masked_sys) : ARRAY_SIZE(masked_proc);

	for (size_t i = 0; i < n; i++) {
		int r = mask_one(ctx, v[i]);
		if (r < 0)
			return r;
	}
	return 0;
}
