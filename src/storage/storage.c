/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "storage/storage.h"
#include "util/cleanup.h"
#include "util/lock.h"
#include "util/log.h"
#include "util/proc.h"
#include "util/strv.h"

#include <errno.h>
#include <sched.h>
#include <stddef.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

/* in order of preference for "best" */
static const struct storage_ops *const backends[] = {
	&storage_btrfs_ops,
	&storage_dir_ops,
	&storage_overlay_ops,
	&storage_lvm_ops,
};

static const char *const backend_names[] = {"dir", "btrfs", "overlay", "lvm", NULL};

const char *const *storage_backend_names(void)
{
	return backend_names;
}

const struct storage_ops *storage_find(const char *name, const struct storage_ctx *ctx)
{
	if (!name || strcmp(name, "best") == 0) {
		/* btrfs when the store is on btrfs, else dir */
		if (storage_btrfs_ops.usable(ctx, false) > 0)
			return &storage_btrfs_ops;
		return &storage_dir_ops;
	}
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (strcmp(backends[i]->name, name) == 0)
			return backends[i];
	return NULL;
}

int storage_private_ns(void)
{
	static bool done;

	if (done)
		return 0;
	if (unshare(CLONE_NEWNS) < 0)
		return log_error_errno(-errno, "cannot create a private mount namespace: %m");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return log_error_errno(-errno, "cannot make the mount namespace private: %m");
	done = true;
	return 0;
}

int storage_mount_entry(const struct storage_ops *ops, const struct storage_ctx *ctx, int entry_fd,
			const char *entry_path)
{
	int r;

	if (ops->activate) {
		r = ops->activate(ctx, entry_fd);
		if (r < 0)
			return r;
	}
	if (!ops->mount)
		return 0;
	r = storage_private_ns();
	if (r < 0)
		return r;
	return ops->mount(ctx, entry_fd, entry_path);
}

void storage_release(const struct storage_ops *ops)
{
	if (ops && ops->release)
		ops->release();
}

int storage_unmount_entry(const struct storage_ops *ops, const char *entry_path)
{
	_cleanup_free_ char *rootfs = NULL;

	if (!ops->mount)
		return 0;
	rootfs = str_printf("%s/rootfs", entry_path);
	if (!rootfs)
		return -ENOMEM;
	if (umount2(rootfs, UMOUNT_NOFOLLOW) < 0 && errno != EINVAL && errno != ENOENT)
		return log_error_errno(-errno, "cannot unmount %s: %m", rootfs);
	return 0;
}

int storage_lock_cache(const struct storage_ctx *ctx, const char *backend, const char *key)
{
	_cleanup_free_ char *path = str_printf("%s/%s.%s.lock", ctx->cache, key, backend);
	_cleanup_free_ char *what = str_printf("the %s form of template cache %s", backend, key);

	if (!path || !what)
		return -ENOMEM;
	return lock_path(path, what);
}

int storage_run(const char *what, char *const argv[], char **ret_out)
{
	_cleanup_free_ char *err = NULL, *tail = NULL;
	int r = proc_run_capture(argv, ret_out, &err);

	if (r == 0)
		return 0;
	if (r == -ENOENT)
		return log_error_errno(r, "%s: %s is not installed", what, argv[0]);
	if (r < 0)
		return log_error_errno(r, "%s: cannot run %s: %m", what, argv[0]);
	tail = proc_tail_lines(err, 3);
	log_error("%s: %s failed: exit %d%s%s", what, argv[0], r, tail && *tail ? ": " : "",
		  tail ? tail : "");
	if (ret_out) {
		free(*ret_out);
		*ret_out = NULL;
	}
	return -EIO;
}

/* mount_setattr MOUNT_ATTR_IDMAP on a detached tree; -errno, quiet. */
static int idmap_tree(int tree, int userns_fd)
{
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns_fd};

	return mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0
		       ? -errno
		       : 0;
}

static int clone_tree(int dirfd, const char *path, const char *what)
{
	int tree = open_tree(dirfd, path,
			     OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE |
				     (*path ? 0 : AT_EMPTY_PATH));

	return tree < 0 ? log_error_errno(-errno, "cannot clone the mount of %s: %m", what) : tree;
}

int storage_idmap_clone(int dirfd, const char *path, int userns_fd, const char *what)
{
	int tree = clone_tree(dirfd, path, what), r;

	if (tree < 0)
		return tree;
	r = idmap_tree(tree, userns_fd);
	if (r < 0) {
		close(tree);
		return log_error_errno(r, "cannot make an idmapped mount of %s: %m%s", what,
				       r == -EINVAL ? " (its filesystem does not support idmapped "
						      "mounts)"
						    : "");
	}
	return tree;
}

/* Clone the rootfs of an entry (mounting it first if the backend mounts;
 * our mount is detached again, the clone keeps it alive). By path: Linux
 * before 6.15 cannot clone a detached tree, and entry_fd may predate our
 * mount namespace. */
int storage_plain_tree(const struct storage_ops *ops, const struct storage_ctx *ctx, int entry_fd,
		       const char *entry_path)
{
	_cleanup_free_ char *what = str_printf("the rootfs of %s", ctx->name);
	_cleanup_free_ char *rootfs = str_printf("%s/rootfs", entry_path);
	int r, tree;

	if (!what || !rootfs)
		return -ENOMEM;
	r = storage_mount_entry(ops, ctx, entry_fd, entry_path);
	if (r < 0)
		return r;
	tree = clone_tree(AT_FDCWD, rootfs, what);
	if (ops->mount)
		umount2(rootfs, MNT_DETACH);
	return tree;
}

int storage_userns_tree(const struct storage_ops *ops, const struct storage_ctx *ctx, int entry_fd,
			const char *entry_path, int userns_fd, uid_t root_uid, gid_t root_gid)
{
	int tree, r;

	if (ops->idmapped_tree)
		return ops->idmapped_tree(ctx, entry_fd, entry_path, userns_fd, root_uid, root_gid);
	tree = storage_plain_tree(ops, ctx, entry_fd, entry_path);
	if (tree < 0)
		return tree;
	r = idmap_tree(tree, userns_fd);
	if (r < 0) {
		close(tree);
		/* EINVAL: no idmapped mounts on this filesystem; EPERM: not ours
		 * to idmap (sysc inside a container: the filesystem belongs to
		 * a user namespace above ours). The caller shifts. */
		if (r == -EPERM)
			log_info("%s: an idmapped mount of its rootfs is refused here (sysc "
				 "runs in a user namespace that does not own the filesystem)",
				 ctx->name);
		return r == -EINVAL || r == -EPERM
			       ? -EOPNOTSUPP
			       : log_error_errno(r,
						 "cannot make an idmapped mount of the rootfs "
						 "of %s: %m",
						 ctx->name);
	}
	return tree;
}
