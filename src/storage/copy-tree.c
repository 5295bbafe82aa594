/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fast, faithful copy of a directory tree. See copy-tree.h for the contract.
 *
 * One pass over the source: every directory is walked through its fd
 * (fdopendir + fstatat with AT_SYMLINK_NOFOLLOW), every entry is created in
 * the destination relative to the matching directory fd. Metadata order per
 * inode: data, chown, xattrs (security.capability must follow chown, which
 * drops it), chmod (chown drops setuid/setgid), timestamps. A directory's
 * metadata is applied after its contents, so creating children neither bumps
 * its mtime nor inherits its default ACL, and a read-only directory can still
 * be filled.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* copy_file_range, O_NOATIME, CPU_COUNT */
#endif
#include "storage/copy-tree.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

/* Files up to this size are copied with one read and one write. */
#define SMALL_FILE_MAX (64 * 1024)
#define XATTR_BUF_SIZE (64 * 1024)
#define CFR_CHUNK      (1u << 30)

/* Regular files waiting for the data thread; each holds two fds. */
#define QUEUE_LEN 64

struct link_entry {
	dev_t dev;
	ino_t ino;
	char *path; /* relative to the destination root; NULL = free slot */
};

/* Per-thread buffers and what the filesystem refused so far. */
struct copy_io {
	char *buf;	  /* SMALL_FILE_MAX bytes of file data */
	char *xlist;	  /* XATTR_BUF_SIZE bytes: xattr name list */
	char *xval;	  /* XATTR_BUF_SIZE bytes: one xattr value */
	bool try_clone;	  /* FICLONE not refused yet */
	bool try_cfr;	  /* copy_file_range not refused yet */
	const char *what; /* the step that failed, for the message */
};

struct copy_pool;

struct copy_ctx {
	const char *src_name; /* for messages */
	int dst_root_fd;
	dev_t root_dev;
	uint64_t root_mnt_id; /* 0: mount IDs unknown, mount points found by st_dev */
	uid_t euid;
	gid_t egid;
	bool try_noatime;    /* O_NOATIME allowed */
	bool into;	     /* dst exists: copy into it (a mounted rootfs) */
	bool owner_is_us;    /* new inodes get euid:egid, so chown may be skipped */
	atomic_bool logged;  /* the error has been logged */
	char path[PATH_MAX]; /* current directory, relative to the roots */
	size_t path_len;
	struct link_entry *links;
	size_t n_links, links_cap;
	struct copy_io io;	/* the walking thread's */
	struct copy_pool *pool; /* NULL: file data is copied inline */
};

struct copy_job {
	int sfd, dfd;
	struct stat st;
	bool mount_point;
};

/*
 * A second thread finishes regular files (data, owner, xattrs, mode, times)
 * while the walking thread creates the next inodes. Nothing it does changes a
 * directory, so directories can still be finished as soon as they are walked.
 */
struct copy_pool {
	pthread_mutex_t lock;
	pthread_cond_t wake_worker;
	struct copy_job jobs[QUEUE_LEN];
	size_t head, len;
	bool closing;
	atomic_int error;
	struct copy_ctx *c;
	struct copy_io io;
	pthread_t thread;
};

/* The entry is another filesystem mounted in the tree: not crossed. */
static bool is_mount_point(const struct copy_ctx *c, const struct stat *st, uint64_t mnt_id)
{
	if (c->root_mnt_id != 0 && mnt_id != 0)
		return mnt_id != c->root_mnt_id;
	return st->st_dev != c->root_dev;
}

/* Log once, naming src/<current dir>/<name>, and pass r through. */
static int copy_fail(struct copy_ctx *c, const char *name, const char *what, int r)
{
	if (!atomic_exchange(&c->logged, true)) {
		log_error_errno(r, "Failed to copy %s%s%.*s%s%s: %s: %m", c->src_name,
				c->path_len || name ? "/" : "", (int)c->path_len, c->path,
				c->path_len && name ? "/" : "", name ? name : "", what);
	}
	return r;
}

/* Relative path of name in the current directory (for linkat from the root). */
static int rel_path(struct copy_ctx *c, const char *name, char *buf, size_t size)
{
	int n;

	if (c->path_len >= sizeof(c->path) - 1)
		return -ENAMETOOLONG;
	if (c->path_len == 0)
		n = snprintf(buf, size, "%s", name);
	else
		n = snprintf(buf, size, "%.*s/%s", (int)c->path_len, c->path, name);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static size_t link_hash(dev_t dev, ino_t ino)
{
	uint64_t h = (uint64_t)ino * 0x9e3779b97f4a7c15ull ^ (uint64_t)dev;

	return (size_t)(h ^ (h >> 29));
}

static struct link_entry *link_slot(struct link_entry *tab, size_t cap, dev_t dev, ino_t ino)
{
	size_t i = link_hash(dev, ino) & (cap - 1);

	while (tab[i].path && (tab[i].dev != dev || tab[i].ino != ino))
		i = (i + 1) & (cap - 1);
	return &tab[i];
}

static const char *link_find(struct copy_ctx *c, const struct stat *st)
{
	if (c->n_links == 0)
		return NULL;
	return link_slot(c->links, c->links_cap, st->st_dev, st->st_ino)->path;
}

static int link_grow(struct copy_ctx *c)
{
	size_t ncap = c->links_cap ? c->links_cap * 2 : 256;
	struct link_entry *n = calloc(ncap, sizeof(*n));

	if (!n)
		return -ENOMEM;
	for (size_t i = 0; i < c->links_cap; i++)
		if (c->links[i].path)
			*link_slot(n, ncap, c->links[i].dev, c->links[i].ino) = c->links[i];
	free(c->links);
	c->links = n;
	c->links_cap = ncap;
	return 0;
}

static int link_add(struct copy_ctx *c, const struct stat *st, const char *name)
{
	char path[PATH_MAX];
	struct link_entry *e;
	int r;

	r = rel_path(c, name, path, sizeof(path));
	if (r < 0)
		return r;
	if (2 * (c->n_links + 1) > c->links_cap) {
		r = link_grow(c);
		if (r < 0)
			return r;
	}
	e = link_slot(c->links, c->links_cap, st->st_dev, st->st_ino);
	e->path = strdup(path);
	if (!e->path)
		return -ENOMEM;
	e->dev = st->st_dev;
	e->ino = st->st_ino;
	c->n_links++;
	return 0;
}

static void link_free(struct copy_ctx *c)
{
	for (size_t i = 0; i < c->links_cap; i++)
		free(c->links[i].path);
	free(c->links);
}

/*
 * An inode whose xattrs are reached either through an fd (regular files,
 * directories) or, for inodes that must not be opened (symlinks, devices,
 * fifos, sockets), through "/proc/self/fd/<dirfd>/<name>" with the l*
 * variants, which do not follow the last component.
 */
struct xnode {
	int fd;
	char path[64 + NAME_MAX];
};

static void xnode_at(struct xnode *x, int dirfd, const char *name)
{
	x->fd = -EBADF;
	snprintf(x->path, sizeof(x->path), "/proc/self/fd/%d/%s", dirfd, name);
}

static ssize_t xnode_list(const struct xnode *x, char *buf, size_t size)
{
	return x->fd >= 0 ? flistxattr(x->fd, buf, size) : llistxattr(x->path, buf, size);
}

static ssize_t xnode_get(const struct xnode *x, const char *key, void *buf, size_t size)
{
	return x->fd >= 0 ? fgetxattr(x->fd, key, buf, size) : lgetxattr(x->path, key, buf, size);
}

static int xnode_set(const struct xnode *x, const char *key, const void *val, size_t size)
{
	return x->fd >= 0 ? fsetxattr(x->fd, key, val, size, 0)
			  : lsetxattr(x->path, key, val, size, 0);
}

/* On failure io->what names the step (an xattr name points into io->xlist). */
static int copy_xattrs(struct copy_io *io, const struct xnode *src, const struct xnode *dst)
{
	ssize_t n = xnode_list(src, io->xlist, XATTR_BUF_SIZE);

	if (n < 0) {
		if (errno == EOPNOTSUPP)
			return 0;
		io->what = "listxattr";
		return negative_errno();
	}
	for (const char *k = io->xlist; k < io->xlist + n; k += strlen(k) + 1) {
		ssize_t v = xnode_get(src, k, io->xval, XATTR_BUF_SIZE);

		if (v < 0 && errno == ENODATA)
			continue; /* removed meanwhile */
		if (v < 0 || xnode_set(dst, k, io->xval, (size_t)v) < 0) {
			io->what = k;
			return negative_errno();
		}
	}
	return 0;
}

static bool need_chown(const struct copy_ctx *c, const struct stat *st)
{
	return !c->owner_is_us || st->st_uid != c->euid || st->st_gid != c->egid;
}

/*
 * Owner, xattrs, mode, times of an inode we hold an fd for (file or
 * directory). Called from either thread: reports the failed step in io->what.
 */
static int apply_meta_fd(const struct copy_ctx *c, struct copy_io *io, int sfd, int dfd,
			 const struct stat *st)
{
	struct timespec ts[2] = {st->st_atim, st->st_mtim};
	struct xnode xs = {.fd = sfd}, xd = {.fd = dfd};
	int r;

	io->what = "fchown";
	if (need_chown(c, st) && fchown(dfd, st->st_uid, st->st_gid) < 0)
		return negative_errno();
	r = copy_xattrs(io, &xs, &xd);
	if (r < 0)
		return r;
	io->what = "fchmod";
	if (fchmod(dfd, st->st_mode & 07777) < 0)
		return negative_errno();
	io->what = "futimens";
	if (futimens(dfd, ts) < 0)
		return negative_errno();
	return 0;
}

/* The same for symlinks and special files, by name relative to the directory fds. */
static int apply_meta_at(struct copy_ctx *c, int sdir, int ddir, const char *name,
			 const struct stat *st)
{
	struct timespec ts[2] = {st->st_atim, st->st_mtim};
	struct xnode xs, xd;
	int r;

	if (need_chown(c, st) &&
	    fchownat(ddir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
		return copy_fail(c, name, "fchownat", negative_errno());
	xnode_at(&xs, sdir, name);
	xnode_at(&xd, ddir, name);
	r = copy_xattrs(&c->io, &xs, &xd);
	if (r < 0)
		return copy_fail(c, name, c->io.what, r);
	/* symlink modes are always 0777 and cannot be changed */
	if (!S_ISLNK(st->st_mode) && fchmodat(ddir, name, st->st_mode & 07777, 0) < 0)
		return copy_fail(c, name, "fchmodat", negative_errno());
	if (utimensat(ddir, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return copy_fail(c, name, "utimensat", negative_errno());
	return 0;
}

/* read/write from the current offsets until len bytes or EOF. */
static int copy_rw(struct copy_io *c, int sfd, int dfd, off_t len)
{
	while (len > 0) {
		size_t want = len < SMALL_FILE_MAX ? (size_t)len : SMALL_FILE_MAX;
		ssize_t n = read(sfd, c->buf, want);
		size_t done = 0;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		if (n == 0)
			break; /* shrunk meanwhile */
		while (done < (size_t)n) {
			ssize_t w = write(dfd, c->buf + done, (size_t)n - done);

			if (w < 0 && errno != EINTR)
				return negative_errno();
			if (w > 0)
				done += (size_t)w;
		}
		len -= n;
	}
	return 0;
}

/* copy_file_range from the current offsets until len bytes or EOF. */
static int copy_cfr(struct copy_io *c, int sfd, int dfd, off_t len)
{
	bool first = true;

	while (len > 0) {
		size_t want = len < CFR_CHUNK ? (size_t)len : CFR_CHUNK;
		ssize_t n = copy_file_range(sfd, NULL, dfd, NULL, want, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (first && (errno == EXDEV || errno == EOPNOTSUPP || errno == ENOSYS ||
				      errno == EINVAL)) {
				c->try_cfr = false;
				return copy_rw(c, sfd, dfd, len);
			}
			return negative_errno();
		}
		if (n == 0)
			break;
		first = false;
		len -= n;
	}
	return 0;
}

static int copy_range(struct copy_io *c, int sfd, int dfd, off_t len)
{
	if (len <= SMALL_FILE_MAX || !c->try_cfr)
		return copy_rw(c, sfd, dfd, len);
	return copy_cfr(c, sfd, dfd, len);
}

/* Copy only the data extents; holes stay holes. */
static int copy_sparse(struct copy_io *c, int sfd, int dfd, off_t size)
{
	off_t data = 0, hole;
	int r;

	for (;;) {
		data = lseek(sfd, data, SEEK_DATA);
		if (data < 0) {
			if (errno == ENXIO)
				break; /* only a hole is left */
			return negative_errno();
		}
		hole = lseek(sfd, data, SEEK_HOLE);
		if (hole < 0)
			return negative_errno();
		if (lseek(sfd, data, SEEK_SET) < 0 || lseek(dfd, data, SEEK_SET) < 0)
			return negative_errno();
		r = copy_range(c, sfd, dfd, hole - data);
		if (r < 0)
			return r;
		data = hole;
	}
	if (ftruncate(dfd, size) < 0)
		return negative_errno();
	return 0;
}

static int copy_data(struct copy_io *c, int sfd, int dfd, const struct stat *st)
{
	if (st->st_size == 0)
		return 0;
	if (c->try_clone) {
		if (ioctl(dfd, FICLONE, sfd) == 0)
			return 0;
		if (errno != EOPNOTSUPP && errno != ENOTTY && errno != EXDEV && errno != EINVAL &&
		    errno != ENOSYS)
			return negative_errno();
		c->try_clone = false;
	}
	if ((off_t)st->st_blocks * 512 < st->st_size)
		return copy_sparse(c, sfd, dfd, st->st_size);
	return copy_range(c, sfd, dfd, st->st_size);
}

static int open_src(struct copy_ctx *c, int dirfd, const char *name, int flags)
{
	int fd;

	flags |= O_NOFOLLOW | O_CLOEXEC | O_NOCTTY;
	if (c->try_noatime) {
		fd = openat(dirfd, name, flags | O_NOATIME);
		if (fd >= 0 || errno != EPERM)
			return fd;
		c->try_noatime = false;
	}
	return openat(dirfd, name, flags);
}

/* Data and metadata of a created regular file; reports the failed step in io->what. */
static int finish_reg(const struct copy_ctx *c, struct copy_io *io, int sfd, int dfd,
		      const struct stat *st, bool mount_point)
{
	int r;

	/* a file mount point (bind mount) is not crossed: it stays empty */
	if (!mount_point) {
		r = copy_data(io, sfd, dfd, st);
		if (r < 0) {
			io->what = "copy data";
			return r;
		}
	}
	return apply_meta_fd(c, io, sfd, dfd, st);
}

/* The data thread names the file through its fd, as it does not know the path. */
static void log_fd_fail(struct copy_ctx *c, int fd, const char *what, int r)
{
	char link[64], path[PATH_MAX];
	ssize_t n;

	if (atomic_exchange(&c->logged, true))
		return;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	path[n < 0 ? 0 : n] = '\0';
	log_error_errno(r, "Failed to copy %s: %s: %m", n < 0 ? c->src_name : path, what);
}

static bool pool_pop(struct copy_pool *p, struct copy_job *job)
{
	bool got = false;

	pthread_mutex_lock(&p->lock);
	while (p->len == 0 && !p->closing)
		pthread_cond_wait(&p->wake_worker, &p->lock);
	if (p->len > 0) {
		*job = p->jobs[p->head];
		p->head = (p->head + 1) % QUEUE_LEN;
		p->len--;
		got = true;
	}
	pthread_mutex_unlock(&p->lock);
	return got;
}

/* Queue a file for the data thread; false if the queue is full. */
static bool pool_try_push(struct copy_pool *p, const struct copy_job *job)
{
	bool queued = false;

	pthread_mutex_lock(&p->lock);
	if (p->len < QUEUE_LEN) {
		p->jobs[(p->head + p->len) % QUEUE_LEN] = *job;
		if (p->len++ == 0)
			pthread_cond_signal(&p->wake_worker);
		queued = true;
	}
	pthread_mutex_unlock(&p->lock);
	return queued;
}

static void *pool_worker(void *arg)
{
	struct copy_pool *p = arg;
	struct copy_job job;

	while (pool_pop(p, &job)) {
		/* after a failure the queue is only drained */
		if (atomic_load(&p->error) == 0) {
			int r = finish_reg(p->c, &p->io, job.sfd, job.dfd, &job.st,
					   job.mount_point);

			if (r < 0) {
				log_fd_fail(p->c, job.sfd, p->io.what, r);
				atomic_store(&p->error, r);
			}
		}
		close(job.sfd);
		close(job.dfd);
	}
	return NULL;
}

static int copy_reg(struct copy_ctx *c, int sdir, int ddir, const char *name, const struct stat *st,
		    bool mount_point)
{
	_cleanup_close_ int sfd = -EBADF, dfd = -EBADF;
	int r;

	sfd = open_src(c, sdir, name, O_RDONLY);
	if (sfd < 0)
		return copy_fail(c, name, "open", negative_errno());
	dfd = openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (dfd < 0)
		return copy_fail(c, name, "create", negative_errno());
	/* the data thread is behind: rather than wait, do this one here */
	if (c->pool) {
		struct copy_job job = {
			.sfd = sfd, .dfd = dfd, .st = *st, .mount_point = mount_point};

		if (pool_try_push(c->pool, &job)) {
			sfd = dfd = -EBADF; /* owned by the data thread now */
			return 0;
		}
	}
	r = finish_reg(c, &c->io, sfd, dfd, st, mount_point);
	if (r < 0)
		return copy_fail(c, name, c->io.what, r);
	return 0;
}

static int copy_symlink(struct copy_ctx *c, int sdir, int ddir, const char *name,
			const struct stat *st)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(sdir, name, target, sizeof(target));

	if (n < 0)
		return copy_fail(c, name, "readlink", negative_errno());
	if ((size_t)n >= sizeof(target))
		return copy_fail(c, name, "readlink", -ENAMETOOLONG);
	target[n] = '\0';
	if (symlinkat(target, ddir, name) < 0)
		return copy_fail(c, name, "symlink", negative_errno());
	return apply_meta_at(c, sdir, ddir, name, st);
}

static int copy_node(struct copy_ctx *c, int sdir, int ddir, const char *name,
		     const struct stat *st)
{
	if (mknodat(ddir, name, (st->st_mode & S_IFMT) | 0600, st->st_rdev) < 0)
		return copy_fail(c, name, "mknod", negative_errno());
	return apply_meta_at(c, sdir, ddir, name, st);
}

static int copy_dir(struct copy_ctx *c, int sdir, int ddir, const char *name, const struct stat *st,
		    bool mount_point);

static int copy_entry(struct copy_ctx *c, int sdir, int ddir, const char *name)
{
	const char *first;
	struct stat st;
	uint64_t mnt_id;
	bool mount_point;
	int r;

	/* the data thread failed (and said so): stop */
	if (c->pool && (r = atomic_load(&c->pool->error)) < 0)
		return r;
	if (fileio_stat_mnt(sdir, name, AT_SYMLINK_NOFOLLOW, &st, &mnt_id) < 0)
		return copy_fail(c, name, "stat", negative_errno());
	mount_point = is_mount_point(c, &st, mnt_id);
	if (S_ISDIR(st.st_mode))
		return copy_dir(c, sdir, ddir, name, &st, mount_point);
	if (st.st_nlink > 1) {
		first = link_find(c, &st);
		if (first) {
			if (linkat(c->dst_root_fd, first, ddir, name, 0) < 0)
				return copy_fail(c, name, "link", negative_errno());
			return 0;
		}
	}
	if (S_ISREG(st.st_mode))
		r = copy_reg(c, sdir, ddir, name, &st, mount_point);
	else if (S_ISLNK(st.st_mode))
		r = copy_symlink(c, sdir, ddir, name, &st);
	else
		r = copy_node(c, sdir, ddir, name, &st);
	if (r >= 0 && st.st_nlink > 1) {
		r = link_add(c, &st, name);
		if (r < 0)
			return copy_fail(c, name, "remember hardlink", r);
	}
	return r;
}

static int copy_entries(struct copy_ctx *c, DIR *d, int dfd)
{
	struct dirent *de;
	int r;

	while ((errno = 0, de = readdir(d))) {
		if (de->d_name[0] == '.' &&
		    (de->d_name[1] == '\0' || (de->d_name[1] == '.' && de->d_name[2] == '\0')))
			continue;
		r = copy_entry(c, dirfd(d), dfd, de->d_name);
		if (r < 0)
			return r;
	}
	if (errno != 0)
		return copy_fail(c, NULL, "readdir", negative_errno());
	return 0;
}

/* Descend into name: extend c->path, returns the previous length to restore. */
static size_t path_push(struct copy_ctx *c, const char *name)
{
	size_t old = c->path_len, len = strlen(name);

	if (old + 1 + len < sizeof(c->path)) {
		if (old)
			c->path[c->path_len++] = '/';
		memcpy(c->path + c->path_len, name, len);
		c->path_len += len;
	} else {
		c->path_len = sizeof(c->path) - 1; /* marks "too long" for rel_path() */
	}
	return old;
}

/* Fill the new directory dfd from d, then give it its metadata. */
static int copy_dir_fds(struct copy_ctx *c, DIR *d, int dfd, const struct stat *st,
			bool mount_point)
{
	int r;

	/* a mount point: the directory is created, its contents are not copied */
	if (!mount_point) {
		r = copy_entries(c, d, dfd);
		if (r < 0)
			return r;
	}
	r = apply_meta_fd(c, &c->io, dirfd(d), dfd, st);
	if (r < 0)
		return copy_fail(c, NULL, c->io.what, r);
	return 0;
}

static DIR *open_src_dir(struct copy_ctx *c, int dirfd, const char *name)
{
	int fd = open_src(c, dirfd, name, O_RDONLY | O_DIRECTORY);
	DIR *d;

	if (fd < 0)
		return NULL;
	d = fdopendir(fd);
	if (!d)
		close(fd);
	return d;
}

static int copy_dir(struct copy_ctx *c, int sdir, int ddir, const char *name, const struct stat *st,
		    bool mount_point)
{
	_cleanup_closedir_ DIR *d = NULL;
	_cleanup_close_ int dfd = -EBADF;
	size_t saved;
	int r;

	if (mkdirat(ddir, name, 0700) < 0)
		return copy_fail(c, name, "mkdir", negative_errno());
	d = open_src_dir(c, sdir, name);
	if (!d)
		return copy_fail(c, name, "open", negative_errno());
	dfd = openat(ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return copy_fail(c, name, "open", negative_errno());
	saved = path_push(c, name);
	r = copy_dir_fds(c, d, dfd, st, mount_point);
	c->path_len = saved;
	return r;
}

/*
 * The new root may have inherited a default ACL (and thus an access ACL) from
 * the directory it was created in; its children must not inherit it. The
 * source's own ACLs, if any, are applied with the other xattrs at the end.
 */
static void drop_inherited_acls(int dfd)
{
	(void)fremovexattr(dfd, "system.posix_acl_default");
	(void)fremovexattr(dfd, "system.posix_acl_access");
}

/* Create and open the destination root; decide whether chown can be skipped. */
static int open_dst_root(struct copy_ctx *c, int dst_dirfd, const char *dst)
{
	struct stat st;
	int fd;

	if (!c->into && mkdirat(dst_dirfd, dst, 0700) < 0)
		return negative_errno();
	fd = openat(dst_dirfd, dst, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	drop_inherited_acls(fd);
	/* the ACL may have masked our own bits; this also clears an inherited setgid */
	if (fchmod(fd, 0700) < 0 || fstat(fd, &st) < 0) {
		int r = negative_errno();
		close(fd);
		return r;
	}
	/* our inodes get the root's group, which may be the parent's, not ours */
	c->owner_is_us = st.st_uid == c->euid && st.st_gid == c->egid && !(st.st_mode & S_ISGID);
	return fd;
}

static int copy_root(struct copy_ctx *c, int src_dirfd, const char *src, int dst_dirfd,
		     const char *dst)
{
	_cleanup_closedir_ DIR *d = NULL;
	_cleanup_close_ int dfd = -EBADF;
	struct stat st;

	d = open_src_dir(c, src_dirfd, src);
	if (!d)
		return copy_fail(c, NULL, "open", negative_errno());
	if (fileio_stat_mnt(dirfd(d), "", AT_EMPTY_PATH, &st, &c->root_mnt_id) < 0)
		return copy_fail(c, NULL, "stat", negative_errno());
	c->root_dev = st.st_dev;
	dfd = open_dst_root(c, dst_dirfd, dst);
	if (dfd < 0) {
		log_error_errno(dfd, "Failed to create %s: %m", dst);
		atomic_store(&c->logged, true);
		return dfd;
	}
	c->dst_root_fd = dfd;
	return copy_dir_fds(c, d, dfd, &st, false);
}

static int io_init(struct copy_io *io)
{
	io->buf = malloc(SMALL_FILE_MAX);
	io->xlist = malloc(XATTR_BUF_SIZE);
	io->xval = malloc(XATTR_BUF_SIZE);
	io->try_clone = io->try_cfr = true;
	return io->buf && io->xlist && io->xval ? 0 : -ENOMEM;
}

static void io_done(struct copy_io *io)
{
	free(io->buf);
	free(io->xlist);
	free(io->xval);
}

/* SYSC_COPY_NOTHREAD=1 turns the data thread off (for benchmarks and debugging). */
static bool have_second_cpu(void)
{
	cpu_set_t set;

	if (getenv("SYSC_COPY_NOTHREAD"))
		return false;
	return sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 1;
}

/* Start the data thread if there is a second CPU for it; NULL: copy inline. */
static struct copy_pool *pool_start(struct copy_ctx *c)
{
	struct copy_pool *p;
	sigset_t all, old;
	int r = -1;

	if (!have_second_cpu())
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->c = c;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake_worker, NULL);
	if (io_init(&p->io) == 0) {
		/* signals stay with the caller's thread */
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		r = pthread_create(&p->thread, NULL, pool_worker, p);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	if (r == 0)
		return p;
	io_done(&p->io);
	free(p);
	return NULL;
}

/* Let the data thread finish the queue; returns its first error. */
static int pool_stop(struct copy_pool *p)
{
	int r;

	pthread_mutex_lock(&p->lock);
	p->closing = true;
	pthread_cond_signal(&p->wake_worker);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	r = atomic_load(&p->error);
	pthread_cond_destroy(&p->wake_worker);
	pthread_mutex_destroy(&p->lock);
	io_done(&p->io);
	free(p);
	return r;
}

static int copy_tree(int src_dirfd, const char *src, int dst_dirfd, const char *dst, bool into)
{
	struct copy_ctx *c;
	int r, q;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->into = into;
	c->src_name = src;
	c->euid = geteuid();
	c->egid = getegid();
	c->try_noatime = true;
	if (io_init(&c->io) == 0) {
		c->pool = pool_start(c);
		r = copy_root(c, src_dirfd, src, dst_dirfd, dst);
		if (c->pool) {
			q = pool_stop(c->pool);
			if (r == 0)
				r = q;
		}
	} else {
		r = log_error_errno(-ENOMEM, "Failed to copy %s: out of memory", src);
	}
	link_free(c);
	io_done(&c->io);
	free(c);
	return r;
}

int copy_tree_at(int src_dirfd, const char *src, int dst_dirfd, const char *dst)
{
	return copy_tree(src_dirfd, src, dst_dirfd, dst, false);
}

int copy_tree_into_at(int src_dirfd, const char *src, int dst_dirfd, const char *dst)
{
	return copy_tree(src_dirfd, src, dst_dirfd, dst, true);
}
