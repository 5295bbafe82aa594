/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * security.nesting: what container runtimes inside the container need of
 * its mounts (doc/security.md says what it opens up).
 *
 * - A proc and a sysfs with nothing mounted over them, in /dev/.sysc (0700,
 *   the container's root only), as LXC's nesting.conf does. The kernel lets
 *   a user namespace mount a fresh proc or sysfs only when one of its mount
 *   namespace's mounts of that filesystem is fully visible
 *   (mount_too_revealing(): no locked mount over anything but an empty
 *   directory); the masks of /proc and /sys become locked overmounts in
 *   every namespace made inside, so without these podman, unshare
 *   --mount-proc and a nested sysc get EPERM.
 * - On a hybrid host the guest's cgroup2 tree has no controllers: the
 *   container's own v1 hierarchies (its cgroup namespace is rooted at its
 *   cgroup in each) under a tmpfs at /sys/fs/cgroup, cgroup2 at
 *   /sys/fs/cgroup/unified, as LXC mounts them. The monitor gave the
 *   container's directories to its root (cgroup_v1_delegate()): it can make
 *   and limit cgroups below them, not change its own limits.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mount/in-root.h"
#include "mount/mount-internal.h"
#include "mount/mount.h"
#include "util/cleanup.h"
#include "util/log.h"

#define ATTR_API (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)

int mount_nesting(const struct mount_ctx *ctx)
{
	_cleanup_close_ int dev = mount_openat_root(ctx, "/dev", O_PATH | O_DIRECTORY);
	int r;

	if (dev < 0)
		return log_error_errno(dev, "open %s/dev: %m", ctx->spec->rootfs);
	if (mkdirat(dev, ".sysc", 0700) < 0)
		return log_error_errno(negative_errno(), "mkdir %s/dev/.sysc: %m",
				       ctx->spec->rootfs);
	r = mount_new_fs(ctx, "proc", "proc", NULL, ATTR_API, "/dev/.sysc/proc", MOUNT_CREATE_DIR);
	return r < 0 ? r : mount_sysfs(ctx, "/dev/.sysc/sys");
}

/* Comounted controllers ("cpu,cpuacct"): a link per controller name. */
static int link_controllers(const struct mount_ctx *ctx, int dirfd, const char *name, char *opts)
{
	char *save = NULL;

	for (char *c = strtok_r(opts, ",", &save); c; c = strtok_r(NULL, ",", &save))
		if (strcmp(c, name) != 0 && !strchr(c, '=') && symlinkat(name, dirfd, c) < 0)
			return log_error_errno(negative_errno(), "symlink %s/sys/fs/cgroup/%s: %m",
					       ctx->spec->rootfs, c);
	return 0;
}

int mount_nesting_cgroups(const struct mount_ctx *ctx)
{
	_cleanup_close_ int fd = -EBADF;
	int r;

	r = mount_new_fs(ctx, "tmpfs", "tmpfs", "mode=0755,size=64k", ATTR_API, "/sys/fs/cgroup",
			 MOUNT_CREATE_NONE);
	if (r < 0)
		return r;
	fd = mount_target(ctx, "/sys/fs/cgroup", MOUNT_CREATE_NONE);
	if (fd < 0)
		return fd;
	for (size_t i = 0; r == 0 && ctx->spec->cgroup_v1[i]; i++) {
		char name[64], opts[256], path[96];
		if (sscanf(ctx->spec->cgroup_v1[i], "%63s %255s", name, opts) != 2 ||
		    strchr(name, '/') || name[0] == '.')
			return log_error_errno(-EINVAL, "cgroup hierarchy \"%s\": bad entry",
					       ctx->spec->cgroup_v1[i]);
		snprintf(path, sizeof(path), "/sys/fs/cgroup/%s", name);
		r = mount_new_fs(ctx, "cgroup", "cgroup", opts, ATTR_API, path, MOUNT_CREATE_DIR);
		if (r == 0)
			r = link_controllers(ctx, fd, name, opts);
	}
	if (r == 0)
		r = mount_new_fs(ctx, "cgroup2", "cgroup2", NULL, ATTR_API,
				 "/sys/fs/cgroup/unified", MOUNT_CREATE_DIR);
	if (r < 0)
		return r;
	/* nothing more to make in the tmpfs: read-only, as LXC leaves it */
	r = mount_set_attr(fd, MOUNT_ATTR_RDONLY, 0, false);
	if (r < 0)
		return log_error_errno(r, "make %s/sys/fs/cgroup read-only: %m", ctx->spec->rootfs);
	return 0;
}
