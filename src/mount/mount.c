/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The container root: API filesystems, /run/host, the config's mounts, and
 * pivot_root. Runs in the container's init child, in its new mount namespace.
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
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "config/config.h"
#include "mount/mount-internal.h"
#include "mount/mount.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/strv.h"

#define ATTR_API (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)

int mount_openat_root(const struct mount_ctx *ctx, const char *path, int oflags)
{
	struct open_how how = {
		.flags = (unsigned)(oflags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, ctx->rootfd, path, &how, sizeof(how));

	return fd < 0 ? negative_errno() : (int)fd;
}

/* Split "/a/b/c" into a malloc'ed parent "/a/b" and a pointer to "c". */
static int split_path(const char *path, char **ret_parent, const char **ret_base)
{
	const char *slash = strrchr(path, '/');
	char *parent;

	if (!slash || slash[1] == '\0')
		return -EINVAL;
	parent = slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
	if (!parent)
		return -ENOMEM;
	*ret_parent = parent;
	*ret_base = slash + 1;
	return 0;
}

/* Make sure the directory prefix exists inside the root (one level). */
static int mkdir_one(const struct mount_ctx *ctx, const char *prefix)
{
	_cleanup_close_ int fd = -EBADF, parentfd = -EBADF;
	_cleanup_free_ char *parent = NULL;
	const char *base;
	int r;

	fd = mount_openat_root(ctx, prefix, O_PATH | O_DIRECTORY);
	if (fd >= 0 || fd != -ENOENT)
		return fd >= 0 ? 0 : fd;
	r = split_path(prefix, &parent, &base);
	if (r < 0)
		return r;
	parentfd = mount_openat_root(ctx, parent, O_PATH | O_DIRECTORY);
	if (parentfd < 0)
		return parentfd;
	if (mkdirat(parentfd, base, 0755) < 0 && errno != EEXIST)
		return negative_errno();
	fd = mount_openat_root(ctx, prefix, O_PATH | O_DIRECTORY);
	/* EEXIST but unresolvable: a dangling symlink, which we never follow
	 * to create something elsewhere. */
	return fd >= 0 ? 0 : (fd == -ENOENT ? -ENOTDIR : fd);
}

static int mkdir_p_in_root(const struct mount_ctx *ctx, const char *path)
{
	_cleanup_free_ char *p = strdup(path);
	char *s;
	int r;

	if (!p)
		return -ENOMEM;
	for (s = p + 1;;) {
		char *slash = strchr(s, '/');

		if (slash)
			*slash = '\0';
		if (*s) {
			r = mkdir_one(ctx, p);
			if (r < 0)
				return r;
		}
		if (!slash)
			return 0;
		*slash = '/';
		s = slash + 1;
	}
}

static int create_file_in_root(const struct mount_ctx *ctx, const char *path)
{
	_cleanup_close_ int parentfd = -EBADF;
	_cleanup_free_ char *parent = NULL;
	const char *base;
	int r;

	r = split_path(path, &parent, &base);
	if (r < 0)
		return r;
	r = mkdir_p_in_root(ctx, parent);
	if (r < 0)
		return r;
	parentfd = mount_openat_root(ctx, parent, O_PATH | O_DIRECTORY);
	if (parentfd < 0)
		return parentfd;
	/* mknodat never follows a symlink in the last component. */
	if (mknodat(parentfd, base, S_IFREG | 0644, 0) < 0 && errno != EEXIST)
		return negative_errno();
	return 0;
}

int mount_target(const struct mount_ctx *ctx, const char *path, enum mount_create how)
{
	const char *root = ctx->spec->rootfs;
	int r = 0, fd;

	if (how == MOUNT_CREATE_DIR)
		r = mkdir_p_in_root(ctx, path);
	else if (how == MOUNT_CREATE_FILE)
		r = create_file_in_root(ctx, path);
	if (r < 0)
		return log_error_errno(r, "create mount point %s%s: %s%s", root, path, strerror(-r),
				       r == -ENOTDIR
					       ? " (it, or a parent, exists but is no directory "
						 "inside the root; symlinks are followed only "
						 "within the root)"
					       : "");
	fd = mount_openat_root(ctx, path, how == MOUNT_CREATE_DIR ? O_PATH | O_DIRECTORY : O_PATH);
	if (fd < 0)
		return log_error_errno(fd, "resolve %s%s inside the root: %s", root, path,
				       strerror(-fd));
	return fd;
}

int mount_attach(const struct mount_ctx *ctx, int mntfd, const char *what, const char *path,
		 enum mount_create how)
{
	_cleanup_close_ int fd = -EBADF;

	fd = mount_target(ctx, path, how);
	if (fd < 0)
		return fd;
	if (move_mount(mntfd, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return log_error_errno(negative_errno(), "mount %s on %s%s: %m", what,
				       ctx->spec->rootfs, path);
	return 0;
}

int mount_set_attr(int mntfd, unsigned set, unsigned clr, bool recursive)
{
	struct mount_attr attr = {.attr_set = set, .attr_clr = clr};

	if (!set && !clr)
		return 0;
	if (mount_setattr(mntfd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr,
			  sizeof(attr)) < 0)
		return negative_errno();
	return 0;
}

int mount_rebind(const struct mount_ctx *ctx, const char *path, unsigned attr_set,
		 unsigned attr_clr)
{
	_cleanup_close_ int fd = -EBADF, tree = -EBADF;
	int r;

	fd = mount_target(ctx, path, MOUNT_CREATE_NONE);
	if (fd < 0)
		return fd;
	tree = open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	if (tree < 0)
		return log_error_errno(negative_errno(), "bind %s%s onto itself: %m",
				       ctx->spec->rootfs, path);
	r = mount_set_attr(tree, attr_set, attr_clr, false);
	if (r < 0)
		return log_error_errno(r, "set attributes of the bind of %s%s: %s",
				       ctx->spec->rootfs, path, strerror(-r));
	if (move_mount(tree, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return log_error_errno(negative_errno(), "bind %s%s onto itself: %m",
				       ctx->spec->rootfs, path);
	return 0;
}

/* The kernel's own words about a failed fsconfig ("e cgroup2: ..."). */
static const char *fs_errmsg(int fsfd, char *buf, size_t size)
{
	ssize_t n = read(fsfd, buf, size - 1);

	if (n <= 2)
		return "";
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

static int fs_configure(int fsfd, const char *source, const char *options)
{
	_cleanup_free_ char *opts = options ? strdup(options) : NULL;
	char *save = NULL;

	if (options && !opts)
		return -ENOMEM;
	if (source && fsconfig(fsfd, FSCONFIG_SET_STRING, "source", source, 0) < 0)
		return negative_errno();
	for (char *o = opts ? strtok_r(opts, ",", &save) : NULL; o;
	     o = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(o, '=');
		int k;

		if (eq) {
			*eq = '\0';
			k = fsconfig(fsfd, FSCONFIG_SET_STRING, o, eq + 1, 0);
		} else {
			k = fsconfig(fsfd, FSCONFIG_SET_FLAG, o, NULL, 0);
		}
		if (k < 0)
			return negative_errno();
	}
	if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return negative_errno();
	return 0;
}

int mount_new_fs(const struct mount_ctx *ctx, const char *fstype, const char *source,
		 const char *options, unsigned attr, const char *path, enum mount_create how)
{
	_cleanup_close_ int fsfd = -EBADF, mntfd = -EBADF;
	const char *root = ctx->spec->rootfs;
	char msg[256];
	int r;

	fsfd = fsopen(fstype, FSOPEN_CLOEXEC);
	if (fsfd < 0)
		return log_error_errno(negative_errno(), "mount %s on %s%s: fsopen: %m", fstype,
				       root, path);
	r = fs_configure(fsfd, source, options);
	if (r < 0)
		return log_error_errno(r, "mount %s on %s%s (options \"%s\"): %s %s", fstype, root,
				       path, options ? options : "", strerror(-r),
				       fs_errmsg(fsfd, msg, sizeof(msg)));
	mntfd = fsmount(fsfd, FSMOUNT_CLOEXEC, attr);
	if (mntfd < 0)
		return log_error_errno(negative_errno(), "mount %s on %s%s: fsmount: %m", fstype,
				       root, path);
	return mount_attach(ctx, mntfd, fstype, path, how);
}

/* A pty slave opened in the parent's mount namespace cannot be cloned by fd
 * (its mount is not in ours): clone its path instead, and check that the
 * path still names the same device. */
static int open_tree_of_fd(int srcfd, const char *what, int *ret_tree)
{
	char proc[64], path[4096];
	struct stat a, b;
	int tree;
	ssize_t n;

	tree = open_tree(srcfd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	if (tree >= 0 || errno != EINVAL) {
		if (tree < 0)
			return log_error_errno(negative_errno(), "bind %s: open_tree of fd %d: %m",
					       what, srcfd);
		*ret_tree = tree;
		return 0;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", srcfd);
	n = readlink(proc, path, sizeof(path) - 1);
	if (n <= 0 || path[0] != '/')
		return log_error_errno(-EINVAL, "bind %s: fd %d has no usable path", what, srcfd);
	path[n] = '\0';
	tree = open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (tree < 0)
		return log_error_errno(negative_errno(), "bind %s: open_tree %s: %m", what, path);
	if (fstat(srcfd, &a) < 0 || fstat(tree, &b) < 0 || a.st_dev != b.st_dev ||
	    a.st_ino != b.st_ino) {
		close(tree);
		return log_error_errno(-ESTALE, "bind %s: %s is not the file of fd %d", what, path,
				       srcfd);
	}
	*ret_tree = tree;
	return 0;
}

int mount_bind_fd(const struct mount_ctx *ctx, int srcfd, const char *what, const char *path,
		  unsigned attr, enum mount_create how)
{
	_cleanup_close_ int tree = -EBADF;
	int r;

	r = open_tree_of_fd(srcfd, what, &tree);
	if (r < 0)
		return r;
	r = mount_set_attr(tree, attr, 0, false);
	if (r < 0)
		return log_error_errno(r, "bind %s on %s%s: mount_setattr: %s", what,
				       ctx->spec->rootfs, path, strerror(-r));
	return mount_attach(ctx, tree, what, path, how);
}

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

static int bind_host_sys(const struct mount_ctx *ctx)
{
	_cleanup_close_ int tree =
		open_tree(AT_FDCWD, "/sys", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	int r;

	if (tree < 0)
		return log_error_errno(negative_errno(), "bind the host's /sys: open_tree: %m");
	r = mount_set_attr(tree, ATTR_API | MOUNT_ATTR_RDONLY, 0, true);
	if (r < 0)
		return log_error_errno(r, "bind the host's /sys read-only: %s", strerror(-r));
	return mount_attach(ctx, tree, "/sys", "/sys", MOUNT_CREATE_DIR);
}

static int setup_sys(const struct mount_ctx *ctx)
{
	int r;

	/* A sysfs mounted from our netns shows that netns's devices. A user
	 * namespace may mount sysfs only for a netns it owns: sharing the
	 * host's network, it gets the host's /sys, read-only. */
	if (ctx->spec->rootfs_tree >= 0 && ctx->spec->host_netns)
		r = bind_host_sys(ctx);
	else
		r = mount_new_fs(ctx, "sysfs", "sysfs", NULL, ATTR_API | MOUNT_ATTR_RDONLY, "/sys",
				 MOUNT_CREATE_DIR);
	if (r == 0)
		r = mount_mask_paths(ctx, true);
	if (r < 0 || !ctx->spec->mount_cgroup2)
		return r;
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
		return log_error_errno(r, "write %s/run/host/%s: %s", ctx->spec->rootfs, name,
				       strerror(-r));
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
		log_warn("no /etc/os-release or /usr/lib/os-release on the host: %s; "
			 "%s/run/host/os-release not created",
			 strerror(-r), ctx->spec->rootfs);
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
	if (r < 0)
		return r;
	r = mount_setup_dev(&ctx);
	if (r < 0)
		return r;
	r = setup_run(&ctx);
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
