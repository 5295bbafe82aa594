/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the guest sees of its own resources:
 *
 * - Resource views (resources.views): lxcfs, run on the host, serves
 *   /proc/meminfo, cpuinfo, stat, uptime, loadavg, swaps, diskstats,
 *   slabinfo and /sys/devices/system/cpu as seen from the cgroups and PID
 *   namespace of the process that reads them. We bind its files over the
 *   container's, as LXC's lxcfs hook does (/usr/share/lxcfs/lxc.mount.hook).
 *   The host side (mount_views_find) decides, before the container starts,
 *   whether lxcfs is there; the child binds (mount_setup_views): the lxcfs
 *   mount is world-readable (allow_other), so the mapped root of an
 *   unprivileged container reaches it too.
 *
 * - Hybrid hosts: the memory, cpu, pids... limits live in the v1 hierarchies,
 *   which the container's cgroup2 tree does not show. Each host v1 hierarchy
 *   is mounted read-only (cgroup v1, from inside the container's cgroup
 *   namespace: its root is the container's own cgroup) at
 *   /run/host/cgroup/<name>, where programs that follow /proc/self/cgroup
 *   and /proc/self/mountinfo (the JVM, Go, .NET) find them. Not under
 *   /sys/fs/cgroup: systemd chooses its unified mode only when that is a
 *   cgroup2 mount itself.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "mount/in-root.h"
#include "mount/mount-internal.h"
#include "mount/mount.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strv.h"

#define ATTR_VIEW     (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)
#define CGROUP_V1_DIR "/run/host/cgroup"
#define SYS_CPU	      "/sys/devices/system/cpu"

static const char *const proc_views[] = {
	"cpuinfo", "diskstats", "loadavg", "meminfo", "slabinfo", "stat", "swaps", "uptime",
};

/* 0 when an lxcfs answers at dir, -ENOENT when nothing (or something else)
 * is mounted there, other -errno (ENOTCONN: its daemon died) otherwise. */
static int lxcfs_probe(const char *dir)
{
	_cleanup_free_ char *meminfo = str_printf("%s/proc/meminfo", dir);
	struct statfs fs;

	if (!meminfo)
		return -ENOMEM;
	if (statfs(dir, &fs) < 0)
		return negative_errno();
	if (fs.f_type != FUSE_SUPER_MAGIC)
		return -ENOENT;
	if (access(meminfo, R_OK) < 0)
		return negative_errno();
	return 0;
}

int mount_views_find(const char *name, const char *views, const char *lxcfs_dir, char **ret)
{
	int r;

	*ret = NULL;
	if (!views || !strcmp(views, "off") || !lxcfs_dir)
		return 0;
	r = lxcfs_probe(lxcfs_dir);
	if (r == 0) {
		*ret = strdup(lxcfs_dir);
		return *ret ? 0 : -ENOMEM;
	}
	if (!strcmp(views, "lxcfs")) {
		if (r == -ENOENT)
			return log_error_errno(
				r,
				"%s: resources.views is \"lxcfs\" but no lxcfs is mounted "
				"on %s: start lxcfs (systemctl start lxcfs, or "
				"lxcfs -l --enable-cfs %s)",
				name, lxcfs_dir, lxcfs_dir);
		return log_error_errno(r,
				       "%s: resources.views is \"lxcfs\" but lxcfs on %s does not "
				       "answer: %m; restart lxcfs (or unmount %s and run "
				       "lxcfs -l --enable-cfs %s)",
				       name, lxcfs_dir, lxcfs_dir, lxcfs_dir);
	}
	if (r != -ENOENT)
		log_warn_errno(
			r, "%s: lxcfs on %s does not answer: %m; starting without resource views",
			name, lxcfs_dir);
	return 0;
}

/* Bind src (a host path in lxcfs) over target in the container, read-only;
 * nothing when either does not exist (a kernel without /proc/slabinfo, an
 * lxcfs without that file). */
static int bind_view(const struct mount_ctx *ctx, const char *src, const char *target)
{
	_cleanup_close_ int fd = -EBADF, tree = -EBADF;
	int r;

	fd = mount_openat_root(ctx, target, O_PATH);
	if (fd == -ENOENT)
		return 0;
	tree = open_tree(AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (tree < 0 && errno == ENOENT)
		return 0;
	if (tree < 0)
		return log_error_errno(negative_errno(), "bind lxcfs's %s on %s%s: %m", src,
				       ctx->spec->rootfs, target);
	r = mount_set_attr(tree, ATTR_VIEW, 0, false);
	if (r < 0)
		return log_error_errno(r, "bind lxcfs's %s read-only: %m", src);
	return mount_attach(ctx, tree, src, target, MOUNT_CREATE_NONE);
}

/* /sys/devices/system/cpu: the whole directory when lxcfs serves all of it
 * (it has uevent), else each entry it has (as LXC's hook does). */
static int bind_sys_cpu(const struct mount_ctx *ctx, const char *dir)
{
	_cleanup_free_ char *src = str_printf("%s" SYS_CPU, dir), *uevent = NULL;
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;

	if (!src)
		return -ENOMEM;
	uevent = str_printf("%s/uevent", src);
	if (!uevent)
		return -ENOMEM;
	if (access(uevent, F_OK) == 0)
		return bind_view(ctx, src, SYS_CPU);
	d = opendir(src);
	if (!d)
		return errno == ENOENT ? 0 : log_error_errno(negative_errno(), "open %s: %m", src);
	while ((errno = 0, de = readdir(d))) {
		_cleanup_free_ char *from = NULL, *to = NULL;
		int r;

		if (de->d_name[0] == '.')
			continue;
		from = str_printf("%s/%s", src, de->d_name);
		to = str_printf(SYS_CPU "/%s", de->d_name);
		if (!from || !to)
			return -ENOMEM;
		r = bind_view(ctx, from, to);
		if (r < 0)
			return r;
	}
	if (errno)
		return log_error_errno(negative_errno(), "read %s: %m", src);
	return 0;
}

int mount_setup_views(const struct mount_ctx *ctx)
{
	const char *dir = ctx->spec->views_dir;
	int r;

	if (!dir)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(proc_views); i++) {
		_cleanup_free_ char *src = str_printf("%s/proc/%s", dir, proc_views[i]);
		_cleanup_free_ char *target = str_printf("/proc/%s", proc_views[i]);

		if (!src || !target)
			return -ENOMEM;
		r = bind_view(ctx, src, target);
		if (r < 0)
			return r;
	}
	return bind_sys_cpu(ctx, dir);
}

static bool want_cgroup_v1(const struct mount_ctx *ctx)
{
	/* (with security.nesting they are at /sys/fs/cgroup, nesting.c) */
	return ctx->spec->mount_cgroup2 && !ctx->spec->cgroup_v1 && cgroup_host_is_hybrid();
}

/* /run/host/cgroup/memory for the host's /sys/fs/cgroup/memory */
static char *cgroup_v1_target(const char *host_path)
{
	const char *base = strrchr(host_path, '/');

	return str_printf(CGROUP_V1_DIR "/%s", base ? base + 1 : host_path);
}

/* fn(ctx, controllers, target) for each host hierarchy, when wanted */
static int each_cgroup_v1(const struct mount_ctx *ctx,
			  int (*fn)(const struct mount_ctx *ctx, const char *controllers,
				    const char *target))
{
	const char *path;
	char *ctl;
	int r;

	if (!want_cgroup_v1(ctx))
		return 0;
	for (size_t i = 0; cgroup_host_v1_hierarchy(i, &path, &ctl); i++) {
		_cleanup_free_ char *c = ctl, *target = cgroup_v1_target(path);

		if (!c || !target)
			return -ENOMEM;
		r = fn(ctx, c, target);
		if (r < 0)
			return r;
	}
	return 0;
}

static int make_v1_dir(const struct mount_ctx *ctx, const char *controllers, const char *target)
{
	_cleanup_close_ int fd = mount_target(ctx, target, MOUNT_CREATE_DIR);

	(void)controllers;
	return fd < 0 ? fd : 0;
}

int mount_cgroup_v1_dirs(const struct mount_ctx *ctx)
{
	return each_cgroup_v1(ctx, make_v1_dir);
}

/* One hierarchy, read-only; a failure is only a warning: the container
 * works without it, only its limits are not readable inside (0 always). */
static int mount_one_v1(const struct mount_ctx *ctx, const char *controllers, const char *target)
{
	_cleanup_free_ char *opts = strdup(controllers);
	_cleanup_close_ int fsfd = -EBADF, mnt = -EBADF, fd = -EBADF;
	char *save = NULL;

	if (!opts)
		return 0;
	fsfd = fsopen("cgroup", FSOPEN_CLOEXEC);
	if (fsfd < 0)
		goto fail;
	for (char *o = strtok_r(opts, ",", &save); o; o = strtok_r(NULL, ",", &save))
		if (!strncmp(o, "name=", 5)
			    ? fsconfig(fsfd, FSCONFIG_SET_STRING, "name", o + 5, 0) < 0
			    : fsconfig(fsfd, FSCONFIG_SET_FLAG, o, NULL, 0) < 0)
			goto fail;
	if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		goto fail;
	mnt = fsmount(fsfd, FSMOUNT_CLOEXEC, ATTR_VIEW);
	if (mnt < 0)
		goto fail;
	fd = mount_target(ctx, target, MOUNT_CREATE_NONE);
	if (fd < 0)
		return 0;
	if (move_mount(mnt, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		goto fail;
	return 0;
fail:
	log_warn_errno(negative_errno(),
		       "mount the cgroup v1 hierarchy %s on %s%s: %m; its limits are not "
		       "readable inside",
		       controllers, ctx->spec->rootfs, target);
	return 0;
}

int mount_cgroup_v1(const struct mount_ctx *ctx)
{
	return each_cgroup_v1(ctx, mount_one_v1);
}
