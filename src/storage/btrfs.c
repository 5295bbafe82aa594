/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The btrfs backend: a container's rootfs is a subvolume, a writable
 * snapshot of a read-only subvolume derived once from the template cache.
 *
 *   <entry>/rootfs                        the subvolume (nested subvolumes
 *                                         the guest made live inside it)
 *   <store>/.cache/btrfs-<key>/rootfs     the template cache as a read-only
 *                                         subvolume, on the store's filesystem
 *                                         (snapshots cannot cross filesystems)
 *   <store>/.cache/btrfs-<key>/source     which template cache it was made
 *                                         from (a rebuilt cache is derived again)
 *   <store>/.cache/.build-btrfs-<key>     a derivation in progress (made and
 *                                         swept under the key's lock)
 *
 * A snapshot shares nothing with its origin that either can change, so
 * entries never depend on the derived cache, and the cache can go at any time.
 *
 * rootfs.size is best effort: a qgroup limit on the referenced size of the
 * rootfs subvolume, applied only when quotas are enabled on the filesystem
 * (sysc never enables them: that costs every write on the filesystem).
 */
#include "storage/copy-tree.h"
#include "storage/storage.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/strv.h"

#include <btrfsutil.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/btrfs.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define CACHE_DIR ".cache"

/* libbtrfsutil sets errno with its error code. */
static int btrfs_errno(void)
{
	return errno > 0 ? -errno : -EIO;
}

DEFINE_CLEANUP_FUNC(struct btrfs_util_subvolume_iterator *, btrfs_util_destroy_subvolume_iterator)

static int btrfs_usable(const struct storage_ctx *ctx, bool explain)
{
	_cleanup_free_ char *path = strdup(ctx->store);
	struct statfs sf;

	if (!path)
		return -ENOMEM;
	/* a store not made yet will be made on its nearest existing parent's fs */
	while (statfs(path, &sf) < 0) {
		char *slash = strrchr(path, '/');

		if (errno != ENOENT || !slash || slash == path) {
			if (explain)
				log_error("cannot check the filesystem of store %s: %m",
					  ctx->store);
			return 0;
		}
		*slash = '\0';
	}
	if (sf.f_type != BTRFS_SUPER_MAGIC) {
		if (explain)
			log_error("store %s is not on a btrfs filesystem (filesystem magic "
				  "0x%lx)",
				  ctx->store, (unsigned long)sf.f_type);
		return 0;
	}
	return 1;
}

/* rootfs.size as a qgroup limit on <entry>/rootfs, best effort: warns. */
static void apply_size(const struct storage_ctx *ctx, int entry_fd)
{
	_cleanup_close_ int fd = -EBADF;
	struct btrfs_ioctl_qgroup_limit_args args = {
		.lim = {.flags = BTRFS_QGROUP_LIMIT_MAX_RFER, .max_rfer = ctx->size},
	};
	enum btrfs_util_error e;
	uint64_t id;

	if (!ctx->size)
		return;
	fd = openat(entry_fd, "rootfs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		log_warn("rootfs.size of %s not applied: cannot open its rootfs: %m", ctx->name);
		return;
	}
	e = btrfs_util_subvolume_id_fd(fd, &id);
	if (e) {
		log_warn("rootfs.size of %s not applied: %s: %m", ctx->name,
			 btrfs_util_strerror(e));
		return;
	}
	args.qgroupid = id; /* its level-0 qgroup, 0/<id> */
	if (ioctl(fd, BTRFS_IOC_QGROUP_LIMIT, &args) == 0)
		return;
	if (errno == ENOTCONN)
		log_warn("rootfs.size of %s not applied: quotas are not enabled on the btrfs "
			 "filesystem of %s (btrfs quota enable)",
			 ctx->name, ctx->store);
	else
		log_warn("rootfs.size of %s not applied: qgroup limit: %m", ctx->name);
}

/* Set or clear the read-only flag of the subvolume fd and every subvolume
 * beneath it (children first, so a read-only parent comes last). */
static int set_read_only_tree(int fd, bool ro, const char *what)
{
	_cleanup_(btrfs_util_destroy_subvolume_iteratorp) struct btrfs_util_subvolume_iterator *it =
		NULL;
	enum btrfs_util_error e;

	e = btrfs_util_create_subvolume_iterator_fd(fd, 0, BTRFS_UTIL_SUBVOLUME_ITERATOR_POST_ORDER,
						    &it);
	if (e)
		return log_error_errno(btrfs_errno(), "cannot list the subvolumes of %s: %s: %m",
				       what, btrfs_util_strerror(e));
	for (;;) {
		_cleanup_free_ char *sub = NULL;
		_cleanup_close_ int sfd = -EBADF;

		e = btrfs_util_subvolume_iterator_next(it, &sub, NULL);
		if (e == BTRFS_UTIL_ERROR_STOP_ITERATION)
			break;
		if (e)
			return log_error_errno(btrfs_errno(),
					       "cannot list the subvolumes of %s: %s: %m", what,
					       btrfs_util_strerror(e));
		sfd = openat(fd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sfd < 0)
			return log_error_errno(-errno, "cannot open subvolume %s of %s: %m", sub,
					       what);
		e = btrfs_util_set_subvolume_read_only_fd(sfd, ro);
		if (e)
			return log_error_errno(
				btrfs_errno(), "cannot make subvolume %s of %s %s: %s: %m", sub,
				what, ro ? "read-only" : "writable", btrfs_util_strerror(e));
	}
	e = btrfs_util_set_subvolume_read_only_fd(fd, ro);
	if (e)
		return log_error_errno(btrfs_errno(), "cannot make %s %s: %s: %m", what,
				       ro ? "read-only" : "writable", btrfs_util_strerror(e));
	return 0;
}

/* Remove dirfd/name: a subvolume with every subvolume beneath it, read-only
 * ones too, or a plain directory tree. Missing is fine. */
static int remove_tree_at(int dirfd, const char *name, const char *what)
{
	_cleanup_close_ int fd =
		openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	enum btrfs_util_error e;
	int r;

	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0 && errno != ENOTDIR)
		return log_error_errno(-errno, "cannot open %s: %m", what);
	e = fd < 0 ? BTRFS_UTIL_ERROR_NOT_SUBVOLUME : btrfs_util_is_subvolume_fd(fd);
	if (e == BTRFS_UTIL_ERROR_NOT_SUBVOLUME || e == BTRFS_UTIL_ERROR_NOT_BTRFS) {
		r = storage_rm_rf_at(dirfd, name); /* subvolumes inside go too */
		if (r == -EBUSY)
			return log_error_errno(
				r, "cannot remove %s: something is mounted inside it", what);
		if (r < 0)
			return log_error_errno(r, "cannot remove %s: %m", what);
		return 0;
	}
	if (e)
		return log_error_errno(btrfs_errno(), "cannot inspect %s: %s: %m", what,
				       btrfs_util_strerror(e));
	/* a read-only subvolume cannot lose the entries of its children */
	r = set_read_only_tree(fd, false, what);
	if (r < 0)
		return r;
	e = btrfs_util_delete_subvolume_fd(dirfd, name, BTRFS_UTIL_DELETE_SUBVOLUME_RECURSIVE);
	if (e)
		return log_error_errno(btrfs_errno(), "cannot delete subvolume %s: %s: %m", what,
				       btrfs_util_strerror(e));
	return 0;
}

/* Which template cache a derived one comes from: the identity of the cache
 * directory and of its rootfs (a rebuilt cache is a new directory). */
static int cache_stamp(const struct storage_cache *cache, char **ret)
{
	_cleanup_free_ char *parent = strdup(cache->rootfs);
	struct stat dir, root;
	char *slash;

	if (!parent)
		return -ENOMEM;
	slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = '\0';
	if (stat(parent, &dir) < 0 || stat(cache->rootfs, &root) < 0)
		return log_error_errno(-errno, "cannot access template cache %s: %m",
				       cache->rootfs);
	*ret = str_printf("%s %llu:%llu %llu %lld.%09ld\n", cache->rootfs,
			  (unsigned long long)dir.st_dev, (unsigned long long)dir.st_ino,
			  (unsigned long long)root.st_ino, (long long)dir.st_ctim.tv_sec,
			  dir.st_ctim.tv_nsec);
	return *ret ? 0 : -ENOMEM;
}

static int open_cache_dir(const struct storage_ctx *ctx)
{
	_cleanup_free_ char *path = str_printf("%s/" CACHE_DIR, ctx->store);
	int fd;

	if (!path)
		return -ENOMEM;
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return log_error_errno(-errno, "cannot create %s: %m", path);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return log_error_errno(-errno, "cannot open %s: %m", path);
	return fd;
}

/* Remove dir_fd/name (a derived cache or a build of one) with its subvolume. */
static int remove_derived(int dir_fd, const char *name, const char *what)
{
	_cleanup_close_ int fd =
		openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int r;

	if (fd < 0)
		return errno == ENOENT ? 0 : log_error_errno(-errno, "cannot open %s: %m", what);
	r = remove_tree_at(fd, "rootfs", what);
	if (r < 0)
		return r;
	r = fileio_rm_rf_at(dir_fd, name);
	if (r < 0)
		return log_error_errno(r, "cannot remove %s: %m", what);
	return 0;
}

/* Build dir_fd/<build> = {rootfs: read-only subvolume copy of the cache, source}. */
static int build_derived(int dir_fd, const char *build, const struct storage_cache *cache,
			 const char *stamp)
{
	_cleanup_close_ int bfd = -EBADF, sfd = -EBADF;
	enum btrfs_util_error e;
	int r;

	if (mkdirat(dir_fd, build, 0700) < 0)
		return log_error_errno(-errno, "cannot create %s: %m", build);
	bfd = openat(dir_fd, build, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (bfd < 0)
		return log_error_errno(-errno, "cannot open %s: %m", build);
	e = btrfs_util_create_subvolume_fd(bfd, "rootfs", 0, NULL, NULL);
	if (e)
		return log_error_errno(btrfs_errno(), "cannot create a subvolume for %s: %s: %m",
				       cache->key, btrfs_util_strerror(e));
	sfd = openat(bfd, "rootfs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sfd < 0)
		return log_error_errno(-errno, "cannot open the subvolume for %s: %m", cache->key);
	r = copy_tree_into_at(AT_FDCWD, cache->rootfs, bfd, "rootfs");
	if (r < 0)
		return r;
	e = btrfs_util_set_subvolume_read_only_fd(sfd, true);
	if (e)
		return log_error_errno(btrfs_errno(),
				       "cannot make the subvolume of %s read-only: %s: %m",
				       cache->key, btrfs_util_strerror(e));
	r = fileio_write_atomic_at(bfd, "source", stamp, strlen(stamp), 0600);
	if (r < 0)
		return log_error_errno(r, "cannot record the source of %s: %m", cache->key);
	return 0;
}

/* The derived cache is there and made from this template cache. */
static bool derived_current(int dir_fd, const char *name, const char *stamp)
{
	_cleanup_free_ char *path = str_printf("%s/source", name), *have = NULL;
	size_t len;

	return path && fileio_read_at(dir_fd, path, &have, &len) == 0 && strcmp(have, stamp) == 0;
}

/* Open the read-only subvolume of cache key, deriving it first if needed.
 * The caller holds the key's lock. */
static int open_derived(const struct storage_ctx *ctx, const struct storage_cache *cache)
{
	_cleanup_free_ char *name = str_printf("btrfs-%s", cache->key),
			    *build = str_printf(".build-btrfs-%s", cache->key), *stamp = NULL,
			    *rootfs = NULL;
	_cleanup_close_ int dir_fd = -EBADF;
	int r, fd;

	if (!name || !build || !(rootfs = str_printf("%s/rootfs", name)))
		return -ENOMEM;
	r = cache_stamp(cache, &stamp);
	if (r < 0)
		return r;
	dir_fd = open_cache_dir(ctx);
	if (dir_fd < 0)
		return dir_fd;
	if (!derived_current(dir_fd, name, stamp)) {
		/* stale (the template cache was rebuilt), or a killed build's leftovers */
		r = remove_derived(dir_fd, name, name);
		if (r == 0)
			r = remove_derived(dir_fd, build, build);
		if (r < 0)
			return r;
		log_info("making a read-only btrfs subvolume of template cache %s in %s/" CACHE_DIR
			 " (once)...",
			 cache->key, ctx->store);
		r = build_derived(dir_fd, build, cache, stamp);
		if (r == 0 && renameat(dir_fd, build, dir_fd, name) < 0)
			r = log_error_errno(-errno, "cannot move %s into place: %m", name);
		if (r < 0) {
			remove_derived(dir_fd, build, build);
			return r;
		}
		fsync(dir_fd);
	}
	fd = openat(dir_fd, rootfs, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return log_error_errno(-errno, "cannot open %s/" CACHE_DIR "/%s: %m", ctx->store,
				       rootfs);
	return fd;
}

static int btrfs_create_from_cache(const struct storage_ctx *ctx, const struct storage_cache *cache,
				   int entry_fd)
{
	_cleanup_close_ int lock = -EBADF, src = -EBADF;
	enum btrfs_util_error e;

	lock = storage_lock_cache(ctx, "btrfs", cache->key);
	if (lock < 0)
		return lock;
	src = open_derived(ctx, cache);
	if (src < 0)
		return src;
	e = btrfs_util_create_snapshot_fd2(src, entry_fd, "rootfs", 0, NULL, NULL);
	if (e)
		return log_error_errno(btrfs_errno(),
				       "cannot snapshot template cache %s for %s: %s: %m",
				       cache->key, ctx->name, btrfs_util_strerror(e));
	apply_size(ctx, entry_fd);
	return 0;
}

static int make_subvolume(const struct storage_ctx *ctx, int entry_fd)
{
	enum btrfs_util_error e = btrfs_util_create_subvolume_fd(entry_fd, "rootfs", 0, NULL, NULL);

	if (e)
		return log_error_errno(btrfs_errno(),
				       "cannot create the rootfs subvolume of %s: %s: %m",
				       ctx->name, btrfs_util_strerror(e));
	return 0;
}

static int btrfs_create_empty(const struct storage_ctx *ctx, int entry_fd)
{
	int r = make_subvolume(ctx, entry_fd);

	if (r == 0)
		apply_size(ctx, entry_fd);
	return r;
}

/* A rootfs that is not a subvolume (made by hand, or by another backend):
 * copied into a new subvolume, unless copy-on-write was required. */
static int clone_by_copy(const struct storage_ctx *src_ctx, int src_entry_fd,
			 const struct storage_ctx *dst_ctx, int dst_entry_fd, unsigned flags)
{
	_cleanup_close_ int fd = -EBADF;
	enum btrfs_util_error e;
	int r;

	if (flags & STORAGE_CLONE_SNAPSHOT)
		return log_error_errno(-EOPNOTSUPP,
				       "the rootfs of %s is not a btrfs subvolume: it cannot be "
				       "snapshotted (copy without -s)",
				       src_ctx->name);
	r = make_subvolume(dst_ctx, dst_entry_fd);
	if (r < 0)
		return r;
	fd = openat(dst_entry_fd, "rootfs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return log_error_errno(-errno, "cannot open the rootfs of %s: %m", dst_ctx->name);
	r = copy_tree_into_at(src_entry_fd, "rootfs", dst_entry_fd, "rootfs");
	if (r == 0 && (flags & STORAGE_CLONE_READONLY) &&
	    (e = btrfs_util_set_subvolume_read_only_fd(fd, true)))
		r = log_error_errno(btrfs_errno(), "cannot make the rootfs of %s read-only: %s: %m",
				    dst_ctx->name, btrfs_util_strerror(e));
	return r;
}

static int snapshot(const struct storage_ctx *src_ctx, int src_entry_fd,
		    const struct storage_ctx *dst_ctx, int dst_entry_fd, unsigned flags)
{
	_cleanup_close_ int src = -EBADF, dst = -EBADF;
	enum btrfs_util_error e;

	src = openat(src_entry_fd, "rootfs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (src < 0)
		return log_error_errno(-errno, "cannot open the rootfs of %s: %m", src_ctx->name);
	e = btrfs_util_is_subvolume_fd(src);
	if (e == BTRFS_UTIL_ERROR_NOT_SUBVOLUME)
		return clone_by_copy(src_ctx, src_entry_fd, dst_ctx, dst_entry_fd, flags);
	/* writable (also from a read-only snapshot: a restore), nested ones too */
	if (!e)
		e = btrfs_util_create_snapshot_fd2(src, dst_entry_fd, "rootfs",
						   BTRFS_UTIL_CREATE_SNAPSHOT_RECURSIVE, NULL,
						   NULL);
	if (e) {
		int r = btrfs_errno();
		if (r == -EXDEV)
			return log_error_errno(r,
					       "cannot snapshot %s into %s: not the same btrfs "
					       "filesystem",
					       src_ctx->name, dst_ctx->store);
		return log_error_errno(r, "cannot snapshot the rootfs of %s: %s: %m", src_ctx->name,
				       btrfs_util_strerror(e));
	}
	if (!(flags & STORAGE_CLONE_READONLY))
		return 0;
	dst = openat(dst_entry_fd, "rootfs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dst < 0)
		return log_error_errno(-errno, "cannot open the snapshot of %s: %m", src_ctx->name);
	return set_read_only_tree(dst, true, "the snapshot");
}

static int btrfs_clone(const struct storage_ctx *src_ctx, int src_entry_fd,
		       const struct storage_ctx *dst_ctx, int dst_entry_fd, unsigned flags)
{
	int r = snapshot(src_ctx, src_entry_fd, dst_ctx, dst_entry_fd, flags);

	if (r < 0)
		remove_tree_at(dst_entry_fd, "rootfs", "the partial copy");
	else if (!(flags & STORAGE_CLONE_READONLY))
		apply_size(dst_ctx, dst_entry_fd);
	return r;
}

static int btrfs_destroy(const struct storage_ctx *ctx, int entry_fd)
{
	_cleanup_free_ char *what = str_printf("the rootfs of %s", ctx->name);

	if (!what)
		return -ENOMEM;
	return remove_tree_at(entry_fd, "rootfs", what);
}

static int btrfs_remove_cache(const struct storage_ctx *ctx, const char *key)
{
	_cleanup_free_ char *name = str_printf("btrfs-%s", key),
			    *build = str_printf(".build-btrfs-%s", key),
			    *what = str_printf("the btrfs form of template cache %s", key),
			    *path = str_printf("%s/" CACHE_DIR, ctx->store);
	_cleanup_close_ int lock = -EBADF, dir_fd = -EBADF;
	int r;

	if (!name || !build || !what || !path)
		return -ENOMEM;
	dir_fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir_fd < 0)
		return errno == ENOENT ? 0 : log_error_errno(-errno, "cannot open %s: %m", path);
	lock = storage_lock_cache(ctx, "btrfs", key);
	if (lock < 0)
		return lock;
	r = remove_derived(dir_fd, build, what);
	return r < 0 ? r : remove_derived(dir_fd, name, what);
}

/* Delete the btrfs subvolumes found in the tree fd (on device dev, in mount
 * mnt_id): a subvolume is a directory with its own st_dev in the same mount. */
static int delete_subvolumes_in(int fd, dev_t dev, uint64_t mnt_id)
{
	_cleanup_closedir_ DIR *d = NULL;
	int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3), ret = 0;
	struct dirent *de;

	if (dup_fd < 0 || !(d = fdopendir(dup_fd))) {
		if (dup_fd >= 0)
			close(dup_fd);
		return -errno;
	}
	while ((de = readdir(d))) {
		_cleanup_close_ int cfd = -EBADF;
		struct statx x;
		int r;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN))
			continue;
		if (statx(fd, de->d_name, AT_SYMLINK_NOFOLLOW, STATX_TYPE | STATX_MNT_ID, &x) < 0 ||
		    !S_ISDIR(x.stx_mode) || !(x.stx_mask & STATX_MNT_ID) || x.stx_mnt_id != mnt_id)
			continue; /* a mount point is never deleted into */
		cfd = openat(fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (cfd < 0)
			continue;
		if (makedev(x.stx_dev_major, x.stx_dev_minor) != dev)
			r = btrfs_util_is_subvolume_fd(cfd) == BTRFS_UTIL_OK
				    ? remove_tree_at(fd, de->d_name, de->d_name)
				    : 0;
		else
			r = delete_subvolumes_in(cfd, dev, mnt_id);
		if (r < 0 && ret == 0)
			ret = r;
	}
	return ret;
}

int storage_rm_rf_at(int dirfd, const char *name)
{
	_cleanup_close_ int fd = -EBADF;
	struct statx x;
	int r = fileio_rm_rf_at(dirfd, name);

	if (r != -EBUSY)
		return r;
	/* something with its own st_dev inside: subvolumes go, mounts stay */
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &x) < 0 ||
	    !(x.stx_mask & STATX_MNT_ID))
		return r;
	if (delete_subvolumes_in(fd, makedev(x.stx_dev_major, x.stx_dev_minor), x.stx_mnt_id) < 0)
		return r;
	return fileio_rm_rf_at(dirfd, name);
}

const struct storage_ops storage_btrfs_ops = {
	.name = "btrfs",
	.usable = btrfs_usable,
	.create_from_cache = btrfs_create_from_cache,
	.create_empty = btrfs_create_empty,
	.clone = btrfs_clone,
	.destroy = btrfs_destroy,
	.remove_cache = btrfs_remove_cache,
};
