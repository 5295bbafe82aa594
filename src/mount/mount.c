/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The container root: the setup sequence (API filesystems, /run/host, the
 * config's mounts, pivot_root), its steps built on the in-root helpers
 * (in-root.c). Runs in the container's init child, in its new mount namespace.
 *
 * Mount API: the new one (fsopen/fsconfig/fsmount, open_tree, mount_setattr,
 * move_mount), available on Linux >= 5.12 (mount_setattr). Targets are fds
 * from openat2(RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS) on the rootfs, so an
 * untrusted rootfs cannot redirect a mount to a host path with symlinks.
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
#include <sys/syscall.h>
#include <unistd.h>

#include "config/config.h"
#include "mount/in-root.h"
#include "mount/mount-internal.h"
#include "mount/mount.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/strv.h"

#define ATTR_API (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)

/* Bind the rootfs onto itself (so it is a mount point for pivot_root) and
 * open the top of that mount. */
static int bind_rootfs(const char *rootfs, int *ret_rootfd)
{
	_cleanup_close_ int tree = -EBADF;
	int fd;

	tree = open_tree(AT_FDCWD, rootfs, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	if (tree < 0)
		return log_error_errno(negative_errno(), "bind %s onto itself: open_tree: %m",
				       rootfs);
	if (move_mount(tree, "", AT_FDCWD, rootfs, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return log_error_errno(negative_errno(), "bind %s onto itself: %m", rootfs);
	fd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return log_error_errno(negative_errno(), "open %s: %m", rootfs);
	*ret_rootfd = fd;
	return 0;
}

static int setup_proc(const struct mount_ctx *ctx)
{
	int r, fd;

	r = mount_new_fs(ctx, "proc", "proc", NULL, ATTR_API, "/proc", MOUNT_CREATE_DIR);
	if (r < 0)
		return r;
	/* /proc/sys read-only, then /proc/sys/net (our own netns) writable again
	 * by a rw bind on top of the ro one. */
	r = mount_rebind(ctx, "/proc/sys", MOUNT_ATTR_RDONLY, 0);
	if (r < 0)
		return r;
	r = ctx->spec->host_netns ? 0 : mount_rebind(ctx, "/proc/sys/net", 0, MOUNT_ATTR_RDONLY);
	if (r < 0)
		return r;
	/* Only there with CONFIG_MAGIC_SYSRQ. */
	fd = mount_openat_root(ctx, "/proc/sysrq-trigger", O_PATH);
	if (fd >= 0) {
		close(fd);
		r = mount_rebind(ctx, "/proc/sysrq-trigger", MOUNT_ATTR_RDONLY, 0);
		if (r < 0)
			return r;
	}
	return mount_mask_paths(ctx, false);
}

static int bind_host_sys(const struct mount_ctx *ctx, const char *path)
{
	_cleanup_close_ int tree =
		open_tree(AT_FDCWD, "/sys", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	int r;

	if (tree < 0)
		return log_error_errno(negative_errno(), "bind the host's /sys: open_tree: %m");
	r = mount_set_attr(tree, ATTR_API | MOUNT_ATTR_RDONLY, 0, true);
	if (r < 0)
		return log_error_errno(r, "bind the host's /sys read-only: %m");
	return mount_attach(ctx, tree, "/sys", path, MOUNT_CREATE_DIR);
}

/* A sysfs mounted from our netns shows that netns's devices. A user
 * namespace may mount sysfs only for a netns it owns: sharing the host's
 * network, it gets the host's /sys, read-only. */
int mount_sysfs(const struct mount_ctx *ctx, const char *path)
{
	if (ctx->spec->rootfs_tree >= 0 && ctx->spec->host_netns)
		return bind_host_sys(ctx, path);
	return mount_new_fs(ctx, "sysfs", "sysfs", NULL, ATTR_API | MOUNT_ATTR_RDONLY, path,
			    MOUNT_CREATE_DIR);
}

static int setup_sys(const struct mount_ctx *ctx)
{
	int r = mount_sysfs(ctx, "/sys");

	if (r == 0)
		r = mount_mask_paths(ctx, true);
	if (r < 0 || !ctx->spec->mount_cgroup2)
		return r;
	if (ctx->spec->cgroup_v1)
		return mount_nesting_cgroups(ctx);
	/* From a non-initial cgroupns nsdelegate is refused: plain cgroup2.
	 * /sys/fs/cgroup exists in every sysfs; mounting on a ro mount is fine. */
	return mount_new_fs(ctx, "cgroup2", "cgroup2", NULL, ATTR_API, "/sys/fs/cgroup",
			    MOUNT_CREATE_NONE);
}

static int write_file_at(const struct mount_ctx *ctx, int dirfd, const char *name, const char *data,
			 size_t len)
{
	_cleanup_close_ int fd = -EBADF;
	int r;

	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0444);
	if (fd < 0)
		return log_error_errno(negative_errno(), "create %s/run/host/%s: %m",
				       ctx->spec->rootfs, name);
	r = fileio_write_all(fd, data, len);
	if (r < 0)
		return log_error_errno(r, "write %s/run/host/%s: %m", ctx->spec->rootfs, name);
	return 0;
}

static int write_os_release(const struct mount_ctx *ctx, int hostfd)
{
	static const char *const paths[] = {"/etc/os-release", "/usr/lib/os-release"};
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int r = -ENOENT;

	for (size_t i = 0; i < ARRAY_SIZE(paths) && r < 0; i++)
		r = fileio_read_at(AT_FDCWD, paths[i], &data, &len);
	if (r < 0) {
		log_warn_errno(r,
			       "no /etc/os-release or /usr/lib/os-release on the host: %m; "
			       "%s/run/host/os-release not created",
			       ctx->spec->rootfs);
		return 0;
	}
	return write_file_at(ctx, hostfd, "os-release", data, len);
}

static int setup_run(const struct mount_ctx *ctx)
{
	_cleanup_close_ int hostfd = -EBADF;
	_cleanup_free_ char *uuid = NULL;
	int r;

	r = mount_new_fs(ctx, "tmpfs", "tmpfs", "mode=0755,size=20%,nr_inodes=800k",
			 MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_STRICTATIME, "/run",
			 MOUNT_CREATE_DIR);
	if (r < 0)
		return r;
	hostfd = mount_target(ctx, "/run/host", MOUNT_CREATE_DIR);
	if (hostfd < 0)
		return hostfd;
	r = write_os_release(ctx, hostfd);
	if (r < 0)
		return r;
	r = write_file_at(ctx, hostfd, "container-manager", "sysc\n", 5);
	if (r < 0)
		return r;
	if (ctx->spec->uuid) {
		uuid = str_printf("%s\n", ctx->spec->uuid);
		if (!uuid)
			return log_error_errno(-ENOMEM, "out of memory");
		r = write_file_at(ctx, hostfd, "container-uuid", uuid, strlen(uuid));
		if (r < 0)
			return r;
	}
	r = mount_cgroup_v1_dirs(ctx);
	if (r < 0)
		return r;
	return mount_rebind(ctx, "/run/host", MOUNT_ATTR_RDONLY, 0);
}

static int pivot(const struct mount_ctx *ctx)
{
	const char *root = ctx->spec->rootfs;

	if (fchdir(ctx->rootfd) < 0)
		return log_error_errno(negative_errno(), "chdir into %s: %m", root);
	/* Stack the old root on top of the new one, then detach it. */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return log_error_errno(negative_errno(), "pivot_root into %s: %m", root);
	if (umount2(".", MNT_DETACH) < 0)
		return log_error_errno(negative_errno(),
				       "detach the old root after pivot_root "
				       "into %s: %m",
				       root);
	if (chdir("/") < 0)
		return log_error_errno(negative_errno(), "chdir / in %s: %m", root);
	return 0;
}

int mount_setup_root(const struct mount_spec *spec)
{
	_cleanup_close_ int rootfd = -EBADF;
	struct mount_ctx ctx = {.spec = spec, .rootfd = -EBADF};
	int r;

	if (!spec->rootfs || spec->rootfs[0] != '/')
		return log_error_errno(-EINVAL, "rootfs \"%s\" is not an absolute path",
				       spec->rootfs ? spec->rootfs : "");
	/* Slave, not private: the host's unmounts still propagate in, so this
	 * namespace never keeps a host mount busy; nothing propagates out. */
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return log_error_errno(negative_errno(), "make / a recursive slave mount: %m");
	if (spec->rootfs_tree >= 0) {
		rootfd = fcntl(spec->rootfs_tree, F_DUPFD_CLOEXEC, 3);
		if (rootfd < 0)
			return log_error_errno(negative_errno(), "dup: %m");
	} else {
		r = bind_rootfs(spec->rootfs, &rootfd);
		if (r < 0)
			return r;
	}
	ctx.rootfd = rootfd;
	r = setup_proc(&ctx);
	if (r < 0)
		return r;
	r = setup_sys(&ctx);
	if (r == 0)
		r = mount_setup_views(&ctx);
	if (r < 0)
		return r;
	r = mount_setup_dev(&ctx);
	if (r == 0 && spec->nesting)
		r = mount_nesting(&ctx);
	if (r < 0)
		return r;
	r = setup_run(&ctx);
	if (r == 0)
		r = mount_cgroup_v1(&ctx);
	if (r < 0)
		return r;
	for (size_t i = 0; i < spec->n_mounts; i++) {
		r = mount_extra(&ctx, &spec->mounts[i],
				spec->mount_trees ? spec->mount_trees[i] : -1);
		if (r < 0)
			return r;
	}
	if (spec->before_pivot) {
		r = spec->before_pivot(spec->before_pivot_data);
		if (r < 0)
			return r;
	}
	return pivot(&ctx);
}
