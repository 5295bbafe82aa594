/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Writing tar archives of a directory tree (see tar.h). One pass over the
 * tree through directory fds (fdopendir + statx with AT_SYMLINK_NOFOLLOW),
 * never crossing a mount point; hardlinks are found by (dev, ino).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* O_NOATIME, SEEK_DATA */
#endif
#include "archive/tar.h"
#include "userns/shift.h"
#include "util/cleanup.h"
#include "util/interrupt.h"
#include "util/fileio.h"
#include "util/log.h"

#include "archive/dl.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <search.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#define DATA_BUF_SIZE  (1024 * 1024)
#define XATTR_BUF_SIZE (64 * 1024)

struct link_key {
	dev_t dev;
	ino_t ino;
	char *path; /* as in the archive */
};

struct tar_writer {
	struct archive *a;
	char *name;
	char *buf;   /* DATA_BUF_SIZE bytes of file data */
	char *zeros; /* DATA_BUF_SIZE zero bytes (holes) */
	char *xlist, *xval;
	void *links; /* tsearch tree of struct link_key */
	const char *tree_name;
	dev_t root_dev;
	uint64_t root_mnt_id;
	size_t prefix_len;
	char path[PATH_MAX]; /* archive path of the current entry */
	unsigned long long entries, bytes;
	struct tar_sum sum;
	const struct userns_shift *shift; /* owners on disk -> archived */
};

void tar_writer_set_shift(struct tar_writer *w, const struct userns_shift *shift)
{
	w->shift = shift;
}

void tar_sum_init(struct tar_sum *s)
{
	*s = (struct tar_sum){.h = 0xcbf29ce484222325ULL};
}

static void sum_word(struct tar_sum *s, uint64_t w)
{
	s->h = (s->h ^ w) * 0x100000001b3ULL;
}

void tar_sum_add(struct tar_sum *s, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t w;

	while (len > 0 && s->n_tail > 0) {
		s->tail[s->n_tail++] = *p++;
		len--;
		if (s->n_tail == 8) {
			memcpy(&w, s->tail, 8);
			sum_word(s, w);
			s->n_tail = 0;
		}
	}
	for (; len >= 8; p += 8, len -= 8) {
		memcpy(&w, p, 8);
		sum_word(s, w);
	}
	while (len-- > 0)
		s->tail[s->n_tail++] = *p++;
}

uint64_t tar_sum_final(const struct tar_sum *s)
{
	uint64_t w = 0, h;
	struct tar_sum c = *s;

	memcpy(&w, c.tail, c.n_tail);
	sum_word(&c, w ^ ((uint64_t)c.n_tail << 56));
	h = c.h;
	return h;
}

uint64_t tar_writer_sum(const struct tar_writer *w)
{
	return tar_sum_final(&w->sum);
}

int tar_compression_parse(const char *s)
{
	static const char *const names[] = {
		[TAR_COMPRESSION_NONE] = "none",
		[TAR_COMPRESSION_GZIP] = "gzip",
		[TAR_COMPRESSION_XZ] = "xz",
		[TAR_COMPRESSION_ZSTD] = "zstd",
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	return -EINVAL;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

int tar_compression_for_path(const char *path)
{
	if (ends_with(path, ".tar.zst") || ends_with(path, ".tzst"))
		return TAR_COMPRESSION_ZSTD;
	if (ends_with(path, ".tar.xz") || ends_with(path, ".txz"))
		return TAR_COMPRESSION_XZ;
	if (ends_with(path, ".tar.gz") || ends_with(path, ".tgz"))
		return TAR_COMPRESSION_GZIP;
	if (ends_with(path, ".tar"))
		return TAR_COMPRESSION_NONE;
	return TAR_COMPRESSION_AUTO;
}

int tar_devices_parse(const char *s)
{
	if (strcmp(s, "none") == 0)
		return TAR_DEVICES_NONE;
	if (strcmp(s, "safe") == 0)
		return TAR_DEVICES_SAFE;
	if (strcmp(s, "all") == 0)
		return TAR_DEVICES_ALL;
	return -EINVAL;
}

static int writer_fail(struct tar_writer *w, const char *what)
{
	int e = archive_errno(w->a);

	/* the output failed (libarchive says only "Write error"): the entry
	 * being written is not at fault, the target is */
	if (e == ENOSPC || e == EDQUOT || e == EFBIG || e == EIO || e == EPIPE) {
		log_error_errno(e, "cannot write archive %s: %m", w->name);
		return -e;
	}
	log_error("cannot write archive %s: %s%s%s", w->name, what, what[0] ? ": " : "",
		  archive_error_string(w->a) ? archive_error_string(w->a) : "unknown error");
	return e > 0 ? -e : -EIO;
}

static int add_filter(struct tar_writer *w, int compression)
{
	int r = ARCHIVE_OK;

	switch (compression) {
	case TAR_COMPRESSION_AUTO:
		/* zstd if libarchive has it built in (not an external program) */
		r = archive_write_add_filter_zstd(w->a);
		if (r == ARCHIVE_OK)
			break;
		archive_write_free(w->a);
		w->a = archive_write_new();
		if (!w->a)
			return -ENOMEM;
		r = archive_write_add_filter_gzip(w->a);
		break;
	case TAR_COMPRESSION_ZSTD:
		r = archive_write_add_filter_zstd(w->a);
		break;
	case TAR_COMPRESSION_XZ:
		r = archive_write_add_filter_xz(w->a);
		break;
	case TAR_COMPRESSION_GZIP:
		r = archive_write_add_filter_gzip(w->a);
		break;
	case TAR_COMPRESSION_NONE:
		break;
	default:
		return -EINVAL;
	}
	if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
		return writer_fail(w, "compression");
	return 0;
}

int tar_writer_open(int fd, const char *name, int compression, struct tar_writer **ret)
{
	struct tar_writer *w;
	int r = archive_dl_load();

	if (r < 0)
		return r;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->name = strdup(name);
	w->buf = malloc(DATA_BUF_SIZE);
	w->zeros = calloc(1, DATA_BUF_SIZE);
	w->xlist = malloc(XATTR_BUF_SIZE);
	w->xval = malloc(XATTR_BUF_SIZE);
	w->a = archive_write_new();
	tar_sum_init(&w->sum);
	if (!w->name || !w->buf || !w->zeros || !w->xlist || !w->xval || !w->a) {
		tar_writer_free(w);
		return -ENOMEM;
	}
	r = add_filter(w, compression);
	/* full pax: every entry has ns timestamps, not only those needing an extension */
	if (r == 0 && archive_write_set_format_pax(w->a) != ARCHIVE_OK)
		r = writer_fail(w, "pax format");
	if (r == 0)
		/* every core for zstd and xz (0: as many threads as CPUs) */
		(void)archive_write_set_filter_option(w->a, NULL, "threads", "0");
	if (r == 0 && archive_write_set_bytes_in_last_block(w->a, 1) != ARCHIVE_OK)
		r = writer_fail(w, "block size");
	if (r == 0 && archive_write_open_fd(w->a, fd) != ARCHIVE_OK)
		r = writer_fail(w, "open");
	if (r < 0) {
		tar_writer_free(w);
		return r;
	}
	*ret = w;
	return 0;
}

static void link_key_free(void *p)
{
	struct link_key *k = p;

	free(k->path);
	free(k);
}

void tar_writer_free(struct tar_writer *w)
{
	if (!w)
		return;
	if (w->a)
		archive_write_free(w->a);
	tdestroy(w->links, link_key_free);
	free(w->name);
	free(w->buf);
	free(w->zeros);
	free(w->xlist);
	free(w->xval);
	free(w);
}

int tar_writer_close(struct tar_writer *w)
{
	if (archive_write_close(w->a) != ARCHIVE_OK)
		return writer_fail(w, "finishing");
	return 0;
}

void tar_writer_stats(const struct tar_writer *w, unsigned long long *entries,
		      unsigned long long *bytes)
{
	*entries = w->entries;
	*bytes = w->bytes;
}

static int write_header(struct tar_writer *w, struct archive_entry *e)
{
	int r = archive_write_header(w->a, e);

	if (r == ARCHIVE_WARN) /* e.g. a name that is not UTF-8: stored as bytes */
		log_debug("archive %s: %s: %s", w->name, w->path, archive_error_string(w->a));
	else if (r != ARCHIVE_OK)
		return writer_fail(w, w->path);
	w->entries++;
	return 0;
}

static int write_data(struct tar_writer *w, const void *buf, size_t len)
{
	while (len > 0) {
		la_ssize_t n = archive_write_data(w->a, buf, len);

		if (n <= 0)
			return writer_fail(w, w->path);
		buf = (const char *)buf + n;
		len -= (size_t)n;
	}
	return 0;
}

int tar_writer_add_data(struct tar_writer *w, const char *path, const void *data, size_t len,
			unsigned mode)
{
	struct archive_entry *e = archive_entry_new();
	int r;

	if (!e)
		return -ENOMEM;
	snprintf(w->path, sizeof(w->path), "%s", path);
	archive_entry_copy_pathname(e, path);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, mode);
	archive_entry_set_size(e, (la_int64_t)len);
	archive_entry_set_mtime(e, time(NULL), 0);
	r = write_header(w, e);
	archive_entry_free(e);
	if (r == 0)
		r = write_data(w, data, len);
	if (r == 0) {
		tar_sum_add(&w->sum, path, strlen(path) + 1);
		tar_sum_add(&w->sum, data, len);
	}
	return r;
}

static int tree_fail(struct tar_writer *w, const char *what, int r)
{
	log_error_errno(r, "cannot archive %s: %s: %s: %m", w->tree_name, w->path, what);
	return r;
}

/* xattrs of dirfd/name (every kind of inode, not following a symlink). */
static int add_xattrs(struct tar_writer *w, struct archive_entry *e, int dirfd, const char *name)
{
	char node[64 + NAME_MAX];
	ssize_t n;

	/* the root: its fd; anything else by name, not following a symlink */
	snprintf(node, sizeof(node), "/proc/self/fd/%d/%s", dirfd, name);
	n = name[0] ? llistxattr(node, w->xlist, XATTR_BUF_SIZE)
		    : flistxattr(dirfd, w->xlist, XATTR_BUF_SIZE);
	if (n < 0)
		return errno == EOPNOTSUPP ? 0 : tree_fail(w, "listxattr", negative_errno());
	for (const char *k = w->xlist; k < w->xlist + n; k += strlen(k) + 1) {
		ssize_t v = name[0] ? lgetxattr(node, k, w->xval, XATTR_BUF_SIZE)
				    : fgetxattr(dirfd, k, w->xval, XATTR_BUF_SIZE);

		if (v < 0 && errno == ENODATA)
			continue;
		if (v < 0)
			return tree_fail(w, k, negative_errno());
		if (w->shift)
			userns_shift_xattr(w->shift, k, w->xval, (size_t)v);
		archive_entry_xattr_add_entry(e, k, w->xval, (size_t)v);
	}
	return 0;
}

static int link_cmp(const void *a, const void *b)
{
	const struct link_key *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return 0;
}

/* A hardlink to an inode already in the archive: its first path, or NULL
 * (then remembered under w->path). */
static int find_link(struct tar_writer *w, const struct stat *st, const char **ret)
{
	struct link_key key = {.dev = st->st_dev, .ino = st->st_ino}, *k, **found;
	*ret = NULL;
	if (S_ISDIR(st->st_mode) || st->st_nlink < 2)
		return 0;
	k = malloc(sizeof(*k));
	if (!k)
		return -ENOMEM;
	*k = key;
	found = tsearch(k, &w->links, link_cmp);
	if (!found) {
		free(k);
		return -ENOMEM;
	}
	if (*found != k) {
		free(k);
		*ret = (*found)->path;
		return 0;
	}
	k->path = strdup(w->path);
	if (!k->path) {
		tdelete(k, &w->links, link_cmp);
		free(k);
		return -ENOMEM;
	}
	return 0;
}

/* Data regions of a sparse file in the entry's sparse map; 0 regions added
 * when the file is not sparse. */
static int map_sparse(struct tar_writer *w, struct archive_entry *e, int fd, const struct stat *st)
{
	off_t pos = 0;

	if ((off_t)st->st_blocks * 512 >= st->st_size)
		return 0;
	while (pos < st->st_size) {
		off_t data = lseek(fd, pos, SEEK_DATA), hole;

		if (data < 0 && errno == ENXIO)
			break;
		if (data < 0)
			return tree_fail(w, "SEEK_DATA", negative_errno());
		hole = lseek(fd, data, SEEK_HOLE);
		if (hole < 0)
			return tree_fail(w, "SEEK_HOLE", negative_errno());
		archive_entry_sparse_add_entry(e, data, hole - data);
		pos = hole;
	}
	/* the file's size, also when it ends in a hole (or is all hole) */
	archive_entry_sparse_add_entry(e, st->st_size, 0);
	return 0;
}

/* File data: every byte, holes as zeros which the pax writer skips when the
 * entry has a sparse map (they cost no reads and no output). */
static int copy_data(struct tar_writer *w, int fd, const struct stat *st, bool sparse)
{
	off_t pos = 0;

	while (pos < st->st_size) {
		off_t data = pos, end = st->st_size;

		if (sparse) {
			data = lseek(fd, pos, SEEK_DATA);
			if (data < 0 && errno == ENXIO)
				data = st->st_size;
			else if (data < 0)
				return tree_fail(w, "SEEK_DATA", negative_errno());
			end = data < st->st_size ? lseek(fd, data, SEEK_HOLE) : st->st_size;
			if (end < 0)
				return tree_fail(w, "SEEK_HOLE", negative_errno());
		}
		while (pos < data) { /* hole */
			size_t n = (size_t)(data - pos) < DATA_BUF_SIZE ? (size_t)(data - pos)
									: DATA_BUF_SIZE;
			int r = write_data(w, w->zeros, n);
			if (r < 0)
				return r;
			pos += (off_t)n;
		}
		while (pos < end) {
			size_t want = (size_t)(end - pos) < DATA_BUF_SIZE ? (size_t)(end - pos)
									  : DATA_BUF_SIZE;
			ssize_t n = pread(fd, w->buf, want, pos);
			int r;

			if (n < 0 && errno == EINTR && !interrupt_pending())
				continue;
			if (n < 0)
				return tree_fail(w, "read", negative_errno());
			if (n == 0)
				return tree_fail(w, "read", -EIO); /* shrank while archived */
			tar_sum_add(&w->sum, w->buf, (size_t)n);
			r = write_data(w, w->buf, (size_t)n);
			if (r < 0)
				return r;
			pos += n;
			w->bytes += (unsigned long long)n;
		}
	}
	return 0;
}

static int open_file(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOATIME);

	if (fd < 0 && errno == EPERM)
		fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? negative_errno() : fd;
}

static int add_tree_dir(struct tar_writer *w, int dirfd, size_t path_len);

/* One entry: dirfd/name, at w->path. */
static int add_entry(struct tar_writer *w, int dirfd, const char *name, size_t path_len)
{
	_cleanup_close_ int fd = -EBADF;
	struct archive_entry *e;
	const char *link = NULL;
	bool sparse = false;
	struct stat st;
	uint64_t mnt_id;
	int r;

	if (interrupt_pending())
		return log_error_errno(-EINTR, "interrupted by signal %d", interrupt_pending());
	r = fileio_stat_mnt(dirfd, name, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH, &st, &mnt_id);
	if (r < 0)
		return tree_fail(w, "stat", r);
	if (S_ISDIR(st.st_mode) && name[0] &&
	    (w->root_mnt_id && mnt_id ? mnt_id != w->root_mnt_id : st.st_dev != w->root_dev)) {
		log_warn("archive %s: %s is a mount point: not archived", w->name, w->path);
		return 0;
	}
	if (S_ISSOCK(st.st_mode)) {
		/* tar has no socket type; a socket is remade by whoever listens on it */
		log_warn("archive %s: %s is a socket: not archived", w->name, w->path);
		return 0;
	}
	e = archive_entry_new();
	if (!e)
		return -ENOMEM;
	/* the path below the prefix, as the reader sees it once cleaned */
	tar_sum_add(&w->sum, w->path + w->prefix_len + (path_len > w->prefix_len),
		    path_len - w->prefix_len - (path_len > w->prefix_len) + 1);
	archive_entry_copy_pathname(e, w->path);
	archive_entry_copy_stat(e, &st);
	if (w->shift) {
		archive_entry_set_uid(e, userns_shift_id(w->shift, 'u', st.st_uid));
		archive_entry_set_gid(e, userns_shift_id(w->shift, 'g', st.st_gid));
	}
	r = find_link(w, &st, &link);
	if (r == 0 && link) {
		archive_entry_copy_hardlink(e, link);
		archive_entry_set_size(e, 0);
	} else if (r == 0 && S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(dirfd, name, target, sizeof(target) - 1);
		if (n < 0)
			r = tree_fail(w, "readlink", negative_errno());
		else {
			target[n] = '\0';
			archive_entry_copy_symlink(e, target);
		}
	} else if (r == 0 && S_ISREG(st.st_mode)) {
		fd = open_file(dirfd, name);
		if (fd < 0)
			r = tree_fail(w, "open", fd);
		if (r == 0)
			r = map_sparse(w, e, fd, &st);
		sparse = archive_entry_sparse_count(e) > 0;
	}
	if (r == 0 && !link)
		r = add_xattrs(w, e, dirfd, name);
	if (r == 0)
		r = write_header(w, e);
	archive_entry_free(e);
	if (r == 0 && fd >= 0 && !link)
		r = copy_data(w, fd, &st, sparse);
	if (r == 0 && S_ISDIR(st.st_mode)) {
		int sub = name[0] ? openat(dirfd, name,
					   O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
				  : fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
		if (sub < 0)
			return tree_fail(w, "open", negative_errno());
		r = add_tree_dir(w, sub, path_len);
	}
	return r;
}

/* The entries of directory fd (taken), whose archive path is w->path[0..path_len). */
static int add_tree_dir(struct tar_writer *w, int fd, size_t path_len)
{
	_cleanup_closedir_ DIR *d = fdopendir(fd);
	struct dirent *de;

	if (!d) {
		close(fd);
		return -ENOMEM;
	}
	while ((errno = 0, de = readdir(d))) {
		size_t n;
		int r;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		n = (size_t)snprintf(w->path + path_len, sizeof(w->path) - path_len, "/%s",
				     de->d_name);
		if (n >= sizeof(w->path) - path_len) {
			w->path[path_len] = '\0';
			return tree_fail(w, de->d_name, -ENAMETOOLONG);
		}
		r = add_entry(w, dirfd(d), de->d_name, path_len + n);
		w->path[path_len] = '\0';
		if (r < 0)
			return r;
	}
	if (errno)
		return tree_fail(w, "readdir", negative_errno());
	return 0;
}

int tar_writer_add_tree(struct tar_writer *w, const char *prefix, int dirfd, const char *tree_name)
{
	struct stat st;
	size_t n = strlen(prefix);
	int r;

	if (n >= sizeof(w->path))
		return -ENAMETOOLONG;
	w->tree_name = tree_name;
	w->prefix_len = n;
	memcpy(w->path, prefix, n + 1);
	r = fileio_stat_mnt(dirfd, "", AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH, &st, &w->root_mnt_id);
	if (r < 0)
		return tree_fail(w, "stat", r);
	w->root_dev = st.st_dev;
	return add_entry(w, dirfd, "", n);
}
