/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Mounting inside the container root through fds (see in-root.h): resolve
 * and create targets with openat2(RESOLVE_IN_ROOT), create filesystems
 * (fsopen/fsconfig/fsmount), bind (open_tree), set attributes
 * (mount_setattr) and attach (move_mount). The steps of the setup
 * (mount.c, dev.c, extra.c, mask.c) are built from these.
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

#include "mount/in-root.h"
#include "util/cleanup.h"
#include "util/log.h"

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
		return log_error_errno(r, "create mount point %s%s: %m%s", root, path,
				       r == -ENOTDIR
					       ? " (it, or a parent, exists but is no directory "
						 "inside the root; symlinks are followed only "
						 "within the root)"
					       : "");
	fd = mount_openat_root(ctx, path, how == MOUNT_CREATE_DIR ? O_PATH | O_DIRECTORY : O_PATH);
	if (fd < 0)
		return log_error_errno(fd, "resolve %s%s inside the root: %m", root, path);
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
		return log_error_errno(r, "set attributes of the bind of %s%s: %m",
				       ctx->spec->rootfs, path);
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
		return log_error_errno(r, "mount %s on %s%s (options \"%s\"): %m %s", fstype, root,
				       path, options ? options : "",
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
		return log_error_errno(r, "bind %s on %s%s: mount_setattr: %m", what,
				       ctx->spec->rootfs, path);
	return mount_attach(ctx, tree, what, path, how);
}
