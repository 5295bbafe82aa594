/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "util/fileio.h"
#include "util/cleanup.h"

#include <errno.h>
#include <stdint.h>
#include <sys/sysmacros.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int fileio_read_at(int dirfd, const char *path, char **ret_data, size_t *ret_len)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;

	if (fd < 0)
		return -errno;
	for (;;) {
		if (cap - len < 4096) {
			size_t ncap = cap ? cap * 2 : 8192;
			char *n;

			if (ncap > (64u << 20))
				return -EFBIG;
			n = realloc(buf, ncap);
			if (!n)
				return -ENOMEM;
			buf = n;
			cap = ncap;
		}
		size_t want = cap - len - 1;
		ssize_t r = fileio_read_all(fd, buf + len, want);
		if (r < 0)
			return (int)r;
		len += (size_t)r;
		if ((size_t)r < want) /* end of file */
			break;
	}
	if (!buf) {
		buf = malloc(1);
		if (!buf)
			return -ENOMEM;
	}
	buf[len] = '\0';
	if (ret_len)
		*ret_len = len;
	*ret_data = TAKE_PTR(buf);
	return 0;
}

int fileio_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int fileio_memfd(const char *name, const void *data, size_t len)
{
	_cleanup_close_ int fd = memfd_create(name, MFD_CLOEXEC);
	int r;

	if (fd < 0)
		return -errno;
	r = fileio_write_all(fd, data, len);
	if (r == 0 && lseek(fd, 0, SEEK_SET) < 0)
		r = -errno;
	return r < 0 ? r : TAKE_FD(fd);
}

ssize_t fileio_read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t got = 0;

	while (got < len) {
		ssize_t r = read(fd, p + got, len - got);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

static int write_replace(int dirfd, const char *path, const void *data, size_t len, mode_t mode,
			 bool durable)
{
	char tmp[PATH_MAX];
	_cleanup_close_ int fd = -EBADF;
	int r;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return -errno;
	r = fileio_write_all(fd, data, len);
	if (r == 0 && fchmod(fd, mode) < 0)
		r = -errno;
	if (r == 0 && durable && fsync(fd) < 0)
		r = -errno;
	if (r == 0 && renameat(dirfd, tmp, dirfd, path) < 0)
		r = -errno;
	if (r < 0)
		unlinkat(dirfd, tmp, 0);
	return r;
}

int fileio_write_atomic_at(int dirfd, const char *path, const void *data, size_t len, mode_t mode)
{
	return write_replace(dirfd, path, data, len, mode, true);
}

int fileio_rename_noreplace(int olddirfd, const char *old, int newdirfd, const char *new)
{
	if (renameat2(olddirfd, old, newdirfd, new, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL)
		return -errno;
	if (faccessat(newdirfd, new, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return -EEXIST;
	if (errno != ENOENT)
		return -errno;
	return renameat(olddirfd, old, newdirfd, new) < 0 ? -errno : 0;
}

int fileio_replace_at(int dirfd, const char *path, const void *data, size_t len, mode_t mode)
{
	return write_replace(dirfd, path, data, len, mode, false);
}

int fileio_write_string_at(int dirfd, const char *path, const char *s)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	size_t len = strlen(s);
	ssize_t w;

	if (fd < 0)
		return -errno;
	w = write(fd, s, len);
	if (w < 0)
		return -errno;
	return (size_t)w == len ? 0 : -EIO;
}

int fileio_mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int rm_rf_children(int fd, dev_t dev)
{
	_cleanup_closedir_ DIR *d = fdopendir(fd);
	struct dirent *de;
	int ret = 0;

	if (!d) {
		close(fd);
		return -errno;
	}
	while ((errno = 0, de = readdir(d))) {
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT && ret == 0)
				ret = -errno;
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			int cfd;

			if (st.st_dev != dev) {
				/* a mount point: never delete into another filesystem */
				if (ret == 0)
					ret = -EBUSY;
				continue;
			}
			cfd = openat(dirfd(d), de->d_name,
				     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (cfd < 0) {
				if (ret == 0)
					ret = -errno;
				continue;
			}
			int r = rm_rf_children(cfd, dev);
			if (r < 0 && ret == 0)
				ret = r;
			if (unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT &&
			    ret == 0)
				ret = -errno;
		} else if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT && ret == 0) {
			ret = -errno;
		}
	}
	return ret;
}

int fileio_rm_rf_at(int dirfd, const char *name)
{
	struct stat st;
	int fd, r;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dirfd, name, 0) < 0 && errno != ENOENT ? -errno : 0;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = rm_rf_children(fd, st.st_dev);
	if (r < 0)
		return r;
	if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

/*
 * fstatat() plus the entry's mount ID. A mount point is told by its mount
 * ID, not by st_dev: on overlayfs a file's st_dev is its layer's, and a
 * btrfs subvolume has its own, neither being a mount point.
 */
int fileio_stat_mnt(int dirfd, const char *name, int flags, struct stat *st, uint64_t *mnt_id)
{
	struct statx x;

	*mnt_id = 0;
	if (statx(dirfd, name, flags | AT_NO_AUTOMOUNT, STATX_BASIC_STATS | STATX_MNT_ID, &x) < 0) {
		if (errno != ENOSYS)
			return -errno;
		return fstatat(dirfd, name, st, flags) < 0 ? -errno : 0;
	}
	*st = (struct stat){
		.st_dev = makedev(x.stx_dev_major, x.stx_dev_minor),
		.st_ino = x.stx_ino,
		.st_mode = x.stx_mode,
		.st_nlink = x.stx_nlink,
		.st_uid = x.stx_uid,
		.st_gid = x.stx_gid,
		.st_rdev = makedev(x.stx_rdev_major, x.stx_rdev_minor),
		.st_size = (off_t)x.stx_size,
		.st_blksize = (blksize_t)x.stx_blksize,
		.st_blocks = (blkcnt_t)x.stx_blocks,
		.st_atim = {.tv_sec = x.stx_atime.tv_sec, .tv_nsec = x.stx_atime.tv_nsec},
		.st_mtim = {.tv_sec = x.stx_mtime.tv_sec, .tv_nsec = x.stx_mtime.tv_nsec},
		.st_ctim = {.tv_sec = x.stx_ctime.tv_sec, .tv_nsec = x.stx_ctime.tv_nsec},
	};
	if (x.stx_mask & STATX_MNT_ID)
		*mnt_id = x.stx_mnt_id;
	return 0;
}
