/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The overlay backend: the template cache is the read-only lower layer; a
 * container owns an upper and a work directory, and its rootfs is an overlay
 * mounted only in private mount namespaces (the container's own at start).
 *
 *   <entry>/rootfs          empty mount point
 *   <entry>/storage/upper   the container's changes
 *   <entry>/storage/work    overlayfs' work directory
 *   <entry>/storage/lower   the lower layer's path: absolute (a template
 *                           cache), or relative to the entry (storage/empty,
 *                           for a rootfs made without a cache)
 *
 * A clone copies the upper layer and shares the lower one, so a cache used
 * by any entry cannot be removed (uses_cache).
 */
#include "storage/copy-tree.h"
#include "storage/storage.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/strv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <linux/securebits.h>
#include <sys/fsuid.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define EMPTY_LOWER "storage/empty"

static int overlay_usable(const struct storage_ctx *ctx, bool explain)
{
	_cleanup_free_ char *fs = NULL;
	size_t len;

	if (fileio_read_at(AT_FDCWD, "/proc/filesystems", &fs, &len) < 0)
		return 0;
	if (!strstr(fs, "\toverlay\n")) {
		if (explain)
			log_error("the kernel has no overlay filesystem (modprobe overlay)");
		return 0;
	}
	return 1;
}

static bool path_ok_for_options(const char *p)
{
	return !strpbrk(p, ",:\\\n");
}

/* storage/{upper,work} (upper with the owner and mode of the lower root)
 * and storage/lower naming lower (a path as described above). */
static int make_layers(const struct storage_ctx *ctx, int entry_fd, const char *lower,
		       const struct stat *lower_root)
{
	_cleanup_free_ char *text = str_printf("%s\n", lower);
	int r;

	if (!text)
		return -ENOMEM;
	if (!path_ok_for_options(lower))
		return log_error_errno(-EINVAL,
				       "overlay lower layer %s: a path with ',' ':' or '\\' "
				       "cannot be used",
				       lower);
	if (mkdirat(entry_fd, "rootfs", 0755) < 0 || mkdirat(entry_fd, "storage", 0700) < 0 ||
	    mkdirat(entry_fd, "storage/upper", 0755) < 0 ||
	    mkdirat(entry_fd, "storage/work", 0700) < 0)
		return log_error_errno(-errno, "cannot create the overlay layers of %s: %m",
				       ctx->name);
	if (fchownat(entry_fd, "storage/upper", lower_root->st_uid, lower_root->st_gid,
		     AT_SYMLINK_NOFOLLOW) < 0 ||
	    fchmodat(entry_fd, "storage/upper", lower_root->st_mode & 07777, 0) < 0)
		return log_error_errno(-errno, "cannot set up the upper layer of %s: %m",
				       ctx->name);
	r = fileio_write_atomic_at(entry_fd, "storage/lower", text, strlen(text), 0600);
	if (r < 0)
		return log_error_errno(r, "cannot record the lower layer of %s: %m", ctx->name);
	return 0;
}

static void remove_layers(int entry_fd)
{
	fileio_rm_rf_at(entry_fd, "storage");
	fileio_rm_rf_at(entry_fd, "rootfs");
}

static int overlay_create_from_cache(const struct storage_ctx *ctx,
				     const struct storage_cache *cache, int entry_fd)
{
	struct stat st;
	int r;

	if (stat(cache->rootfs, &st) < 0)
		return log_error_errno(-errno, "cannot access template cache %s: %m",
				       cache->rootfs);
	r = make_layers(ctx, entry_fd, cache->rootfs, &st);
	if (r < 0)
		remove_layers(entry_fd);
	return r;
}

static int overlay_create_empty(const struct storage_ctx *ctx, int entry_fd)
{
	struct stat st = {.st_mode = 0755};
	int r = make_layers(ctx, entry_fd, EMPTY_LOWER, &st);

	if (r == 0 && mkdirat(entry_fd, EMPTY_LOWER, 0755) < 0)
		r = log_error_errno(-errno, "cannot create the lower layer of %s: %m", ctx->name);
	if (r < 0)
		remove_layers(entry_fd);
	return r;
}

/* storage/lower as recorded (absolute, or relative to the entry). */
static int read_lower_text(const struct storage_ctx *ctx, int entry_fd, char **ret)
{
	size_t len;
	int r = fileio_read_at(entry_fd, "storage/lower", ret, &len);

	if (r < 0)
		return log_error_errno(r, "cannot read the overlay lower layer of %s: %m",
				       ctx->name);
	(*ret)[strcspn(*ret, "\n")] = '\0';
	return 0;
}

/* The recorded lower layer, as an absolute path. */
static int read_lower(const struct storage_ctx *ctx, int entry_fd, const char *entry_path,
		      char **ret)
{
	_cleanup_free_ char *text = NULL;
	int r = read_lower_text(ctx, entry_fd, &text);

	if (r < 0)
		return r;
	if (!*text)
		return log_error_errno(-EBADMSG, "the overlay lower layer of %s is not recorded",
				       ctx->name);
	*ret = text[0] == '/' ? strdup(text) : str_printf("%s/%s", entry_path, text);
	return *ret ? 0 : -ENOMEM;
}

static int overlay_mount(const struct storage_ctx *ctx, int entry_fd, const char *entry_path)
{
	_cleanup_free_ char *lower = NULL, *opts = NULL, *target = NULL;
	struct stat st;
	int r;

	if (!path_ok_for_options(entry_path))
		return log_error_errno(-EINVAL,
				       "store path %s: a path with ',' ':' or '\\' cannot be "
				       "used with overlay",
				       entry_path);
	r = read_lower(ctx, entry_fd, entry_path, &lower);
	if (r < 0)
		return r;
	if (stat(lower, &st) < 0)
		return log_error_errno(-errno,
				       "the lower layer of %s (template cache %s) is gone: %m",
				       ctx->name, lower);
	opts = str_printf("lowerdir=%s,upperdir=%s/storage/upper,workdir=%s/storage/work", lower,
			  entry_path, entry_path);
	target = str_printf("%s/rootfs", entry_path);
	if (!opts || !target)
		return -ENOMEM;
	if (mount("overlay", target, "overlay", 0, opts) < 0)
		return log_error_errno(-errno, "cannot mount the overlay of %s on %s: %m",
				       ctx->name, target);
	return 0;
}

static int overlay_clone(const struct storage_ctx *src_ctx, int src_entry_fd,
			 const struct storage_ctx *dst_ctx, int dst_entry_fd, unsigned flags)
{
	_cleanup_free_ char *lower = NULL, *text = NULL;
	int r = read_lower_text(src_ctx, src_entry_fd, &lower);

	if (r < 0)
		return r;
	if (mkdirat(dst_entry_fd, "rootfs", 0755) < 0 ||
	    mkdirat(dst_entry_fd, "storage", 0700) < 0) {
		r = log_error_errno(-errno, "cannot create the overlay layers of %s: %m",
				    dst_ctx->name);
		goto fail;
	}
	/* the lower layer is shared; the upper one (the changes) is copied */
	r = copy_tree_at(src_entry_fd, "storage/upper", dst_entry_fd, "storage/upper");
	if (r == 0 && lower[0] != '/')
		r = copy_tree_at(src_entry_fd, EMPTY_LOWER, dst_entry_fd, EMPTY_LOWER);
	if (r < 0)
		goto fail;
	if (mkdirat(dst_entry_fd, "storage/work", 0700) < 0) {
		r = log_error_errno(-errno, "cannot create the work directory of %s: %m",
				    dst_ctx->name);
		goto fail;
	}
	text = str_printf("%s\n", lower);
	r = text ? fileio_write_atomic_at(dst_entry_fd, "storage/lower", text, strlen(text), 0600)
		 : -ENOMEM;
	if (r == 0)
		return 0;
	log_error_errno(r, "cannot record the lower layer of %s: %m", dst_ctx->name);
fail:
	remove_layers(dst_entry_fd);
	return r;
}

static int overlay_destroy(const struct storage_ctx *ctx, int entry_fd)
{
	int r = fileio_rm_rf_at(entry_fd, "storage");

	if (r == 0)
		r = fileio_rm_rf_at(entry_fd, "rootfs");
	if (r == -EBUSY)
		return log_error_errno(r, "cannot remove the overlay of %s: it is mounted",
				       ctx->name);
	if (r < 0)
		return log_error_errno(r, "cannot remove the overlay of %s: %m", ctx->name);
	return 0;
}

static int overlay_uses_cache(const struct storage_ctx *ctx, int entry_fd, const char *key)
{
	_cleanup_free_ char *lower = NULL, *want = str_printf("%s/%s/rootfs", ctx->cache, key);
	size_t len;

	if (!want)
		return -ENOMEM;
	if (fileio_read_at(entry_fd, "storage/lower", &lower, &len) < 0)
		return 0; /* quietly: not an overlay entry */
	lower[strcspn(lower, "\n")] = '\0';
	return strcmp(lower, want) == 0;
}

/* Attach an idmapped clone of path at entry/target (made if missing). */
static int attach_idmapped(const char *path, const char *entry_path, const char *target,
			   int userns_fd, const char *what)
{
	_cleanup_free_ char *dst = str_printf("%s/%s", entry_path, target);
	_cleanup_close_ int tree = -EBADF;

	if (!dst)
		return -ENOMEM;
	if (mkdir(dst, 0700) < 0 && errno != EEXIST)
		return log_error_errno(-errno, "cannot create %s: %m", dst);
	tree = storage_idmap_clone(AT_FDCWD, path, userns_fd, what);
	if (tree < 0)
		return tree;
	if (move_mount(tree, "", AT_FDCWD, dst, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return log_error_errno(-errno, "cannot mount %s on %s: %m", what, dst);
	return 0;
}

/* Mount the overlay as the container's root would (fsuid/fsgid of the mapped
 * root, capabilities kept): overlayfs creates its work files with the
 * mounter's ids, which must be mapped through the idmapped layers. */
static int mount_as(const char *target, const char *opts, uid_t uid, gid_t gid)
{
	int bits = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0), r = 0;

	if (bits < 0 || prctl(PR_SET_SECUREBITS, bits | SECBIT_NO_SETUID_FIXUP, 0, 0, 0) < 0)
		return -errno;
	setfsgid(gid);
	setfsuid(uid);
	if (mount("overlay", target, "overlay", 0, opts) < 0)
		r = -errno;
	setfsuid(0);
	setfsgid(0);
	prctl(PR_SET_SECUREBITS, bits, 0, 0, 0);
	return r;
}

/* An overlay mount cannot be idmapped, its layers can: the lower layer and
 * the storage directory (upper and work) are attached idmapped under
 * storage/, the overlay is mounted over them and cloned, and every mount is
 * detached again (the clone keeps what it needs). */
static int overlay_idmapped_tree(const struct storage_ctx *ctx, int entry_fd,
				 const char *entry_path, int userns_fd, uid_t root_uid,
				 gid_t root_gid)
{
	_cleanup_free_ char *lower = NULL, *storage = str_printf("%s/storage", entry_path);
	_cleanup_free_ char *l = str_printf("%s/storage/.idmap-lower", entry_path);
	_cleanup_free_ char *u = str_printf("%s/storage/.idmap-layers", entry_path);
	_cleanup_free_ char *target = str_printf("%s/rootfs", entry_path);
	_cleanup_free_ char *opts = NULL;
	int r, tree = -EBADF;

	if (!storage || !l || !u || !target)
		return -ENOMEM;
	r = read_lower(ctx, entry_fd, entry_path, &lower);
	if (r < 0)
		return r;
	r = storage_private_ns();
	if (r == 0)
		r = attach_idmapped(storage, entry_path, "storage/.idmap-layers", userns_fd,
				    "the overlay upper layer");
	if (r == 0)
		r = attach_idmapped(lower, entry_path, "storage/.idmap-lower", userns_fd,
				    "the overlay lower layer");
	if (r == 0) {
		opts = str_printf("lowerdir=%s,upperdir=%s/upper,workdir=%s/work", l, u, u);
		r = opts ? mount_as(target, opts, root_uid, root_gid) : -ENOMEM;
		if (r < 0)
			log_error_errno(r, "cannot mount the overlay of %s (idmapped layers): %m",
					ctx->name);
	}
	if (r == 0) {
		tree = open_tree(AT_FDCWD, target, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
		if (tree < 0)
			r = log_error_errno(-errno, "cannot clone the overlay of %s: %m",
					    ctx->name);
		umount2(target, MNT_DETACH);
	}
	umount2(l, MNT_DETACH);
	umount2(u, MNT_DETACH);
	return r < 0 ? r : tree;
}

const struct storage_ops storage_overlay_ops = {
	.name = "overlay",
	.usable = overlay_usable,
	.create_from_cache = overlay_create_from_cache,
	.create_empty = overlay_create_empty,
	.mount = overlay_mount,
	.clone = overlay_clone,
	.destroy = overlay_destroy,
	.uses_cache = overlay_uses_cache,
	.idmapped_tree = overlay_idmapped_tree,
};
