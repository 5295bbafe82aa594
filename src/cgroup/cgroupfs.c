/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroupfs helpers shared by both backends (cgroup2.c, cgroup1.c) and the
 * facade: parsing the text of cgroup files, reading and writing them by
 * dirfd, walking cgroup.procs down a tree, and making and removing cgroup
 * directories. Nothing here knows which hierarchy it works in.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "cgroup/cgroup-internal.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/monotonic.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CGROUP_MAX_WALK_DEPTH 128
#define CGROUP_RMDIR_RETRY_MS 2000

/* ---- parsing helpers ---- */

int cgroup_parse_u64(const char *s, uint64_t *ret)
{
	unsigned long long v;
	char *end;
	size_t len;

	while (isspace((unsigned char)*s))
		s++;
	len = strlen(s);
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	if (len == 3 && strncmp(s, "max", 3) == 0) {
		*ret = UINT64_MAX;
		return 0;
	}
	if (len == 0 || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if ((size_t)(end - s) != len)
		return -EINVAL;
	*ret = v;
	return 0;
}

int cgroup_parse_keyed_u64(const char *text, const char *key, uint64_t *ret)
{
	size_t klen = strlen(key);

	for (const char *line = text; line && *line;) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);

		if (len > klen && strncmp(line, key, klen) == 0 &&
		    (line[klen] == ' ' || line[klen] == '\t')) {
			char buf[64];
			size_t vlen = len - klen - 1;

			if (vlen >= sizeof(buf))
				return -EINVAL;
			memcpy(buf, line + klen + 1, vlen);
			buf[vlen] = '\0';
			return cgroup_parse_u64(buf, ret);
		}
		line = eol ? eol + 1 : NULL;
	}
	return -ENOENT;
}

int cgroup_parse_pids(const char *text, int (*fn)(pid_t pid, void *ud), void *ud)
{
	for (const char *p = text; *p;) {
		char *end;
		long v;

		if (isspace((unsigned char)*p)) {
			p++;
			continue;
		}
		errno = 0;
		v = strtol(p, &end, 10);
		if (end == p || errno != 0 || v <= 0 || v > INT_MAX)
			return -EINVAL;
		p = end;
		int r = fn((pid_t)v, ud);
		if (r < 0)
			return r;
	}
	return 0;
}

/* "8:0 rbytes=1 wbytes=2 ..." (v2 io.stat) or "8:0 Read 1" (v1 blkio). */
int cgroup_parse_io_bytes(const char *text, uint64_t *ret_read, uint64_t *ret_write)
{
	uint64_t rd = 0, wr = 0;
	bool any = false;

	for (const char *p = text; *p;) {
		size_t len = strcspn(p, " \t\n");
		unsigned long long v;

		if (sscanf(p, "rbytes=%llu", &v) == 1) {
			rd += v, any = true;
		} else if (sscanf(p, "wbytes=%llu", &v) == 1) {
			wr += v, any = true;
		} else if (len == 4 && !strncmp(p, "Read", 4) && sscanf(p + 4, "%llu", &v) == 1) {
			rd += v, any = true;
		} else if (len == 5 && !strncmp(p, "Write", 5) && sscanf(p + 5, "%llu", &v) == 1) {
			wr += v, any = true;
		}
		p += len;
		p += strspn(p, " \t\n");
	}
	*ret_read = rd;
	*ret_write = wr;
	return any || !*text ? 0 : -ENOENT;
}

/* ---- file helpers ---- */

int cgroup_read_u64_at(int dirfd, const char *file, uint64_t *ret)
{
	_cleanup_free_ char *s = NULL;
	int r = fileio_read_at(dirfd, file, &s, NULL);

	if (r < 0)
		return r;
	return cgroup_parse_u64(s, ret);
}

int cgroup_read_keyed_u64_at(int dirfd, const char *file, const char *key, uint64_t *ret)
{
	_cleanup_free_ char *s = NULL;
	int r = fileio_read_at(dirfd, file, &s, NULL);

	if (r < 0)
		return r;
	return cgroup_parse_keyed_u64(s, key, ret);
}

int cgroup_write_at(int dirfd, const char *file, const char *value)
{
	return fileio_write_string_at(dirfd, file, value);
}

static bool gone(int r)
{
	/* the cgroup was removed under us, or is not a domain (threaded) */
	return r == -ENOENT || r == -ENODEV || r == -EOPNOTSUPP;
}

static int walk(int dirfd, int (*fn)(pid_t, void *), void *ud, unsigned depth)
{
	_cleanup_closedir_ DIR *d = NULL;
	_cleanup_free_ char *procs = NULL;
	struct dirent *de;
	int fd, r;

	if (depth > CGROUP_MAX_WALK_DEPTH)
		return -ELOOP;
	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return gone(-errno) ? 0 : -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	r = fileio_read_at(fd, "cgroup.procs", &procs, NULL);
	if (r < 0 && !gone(r))
		return r;
	if (r == 0) {
		r = cgroup_parse_pids(procs, fn, ud);
		if (r < 0)
			return r;
	}
	while ((de = readdir(d))) {
		_cleanup_close_ int cfd = -EBADF;

		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		cfd = openat(fd, de->d_name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (cfd < 0) {
			if (errno == ENOENT)
				continue;
			return -errno;
		}
		r = walk(cfd, fn, ud, depth + 1);
		if (r < 0)
			return r;
	}
	return 0;
}

int cgroup_walk_procs(int dirfd, int (*fn)(pid_t pid, void *ud), void *ud)
{
	if (dirfd < 0)
		return 0;
	return walk(dirfd, fn, ud, 0);
}

static int kill_one(pid_t pid, void *ud)
{
	int *count = ud;

	/* never ourselves: the monitor stays outside the container's cgroups */
	if (pid == getpid())
		return 0;
	if (kill(pid, SIGKILL) == 0)
		(*count)++;
	return 0;
}

int cgroup_kill_procs(int dirfd)
{
	int count = 0, r;

	r = cgroup_walk_procs(dirfd, kill_one, &count);
	return r < 0 ? r : count;
}

static int found_one(pid_t pid, void *ud)
{
	*(bool *)ud = true;
	return -ECANCELED; /* stop the walk */
}

int cgroup_has_procs(int dirfd)
{
	bool found = false;
	int r = cgroup_walk_procs(dirfd, found_one, &found);

	if (found)
		return 1;
	return r < 0 ? r : 0;
}

void cgroup_sleep_ms(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int rmdir_retry(int dirfd, const char *name)
{
	int64_t deadline = monotonic_ms() + CGROUP_RMDIR_RETRY_MS;
	unsigned delay = 1;

	for (;;) {
		if (unlinkat(dirfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
			return 0;
		/* tasks that were just killed may still be leaving */
		if (errno != EBUSY || monotonic_ms() >= deadline)
			return -errno;
		cgroup_sleep_ms(delay);
		if (delay < 20)
			delay *= 2;
	}
}

static int rmdir_children(int dirfd, unsigned depth)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int fd, ret = 0;

	if (depth > CGROUP_MAX_WALK_DEPTH)
		return -ELOOP;
	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d))) {
		_cleanup_close_ int cfd = -EBADF;
		int r;

		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		cfd = openat(fd, de->d_name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (cfd < 0) {
			if (errno != ENOENT && ret == 0)
				ret = -errno;
			continue;
		}
		r = rmdir_children(cfd, depth + 1);
		if (r == 0)
			r = rmdir_retry(fd, de->d_name);
		if (r < 0 && ret == 0)
			ret = r;
	}
	return ret;
}

int cgroup_rmdir_tree(int dirfd, const char *name)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int r;

	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	r = rmdir_children(fd, 0);
	if (r < 0)
		return r;
	return rmdir_retry(dirfd, name);
}

void cgroup_rmdir_parents(const char *root, const char *parent)
{
	_cleanup_close_ int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ char *p = strdup(parent);

	if (rootfd < 0 || !p)
		return;
	for (;;) {
		char *slash;

		/* EBUSY/ENOTEMPTY: other containers still live there, fine */
		if (unlinkat(rootfd, p, AT_REMOVEDIR) < 0 && errno != ENOENT)
			return;
		slash = strrchr(p, '/');
		if (!slash)
			return;
		*slash = '\0';
	}
}

static int mkdir_chain_once(int rootfd, const char *relpath,
			    int (*fn)(int parentfd, int fd, bool created, void *ud), void *ud)
{
	_cleanup_close_ int parentfd = -EBADF;
	int fd = -EBADF;
	const char *p = relpath;

	fd = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return -errno;
	while (*p) {
		char comp[NAME_MAX + 1];
		size_t len;
		bool created, leaf;
		int r;

		while (*p == '/')
			p++;
		len = strcspn(p, "/");
		if (len == 0 || len > NAME_MAX) {
			close(fd);
			return -EINVAL;
		}
		memcpy(comp, p, len);
		comp[len] = '\0';
		p += len;
		leaf = p[strspn(p, "/")] == '\0';
		CLOSE_FD(parentfd);
		parentfd = fd;
		created = mkdirat(parentfd, comp, 0755) == 0;
		if (!created && (errno != EEXIST || leaf))
			return -errno;
		fd = openat(parentfd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		if (fn) {
			r = fn(parentfd, fd, created, ud);
			if (r < 0) {
				close(fd);
				return r;
			}
		}
	}
	return fd;
}

int cgroup_mkdir_chain(const char *root, const char *relpath,
		       int (*fn)(int parentfd, int fd, bool created, void *ud), void *ud)
{
	_cleanup_close_ int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int r = -ENOENT;

	if (rootfd < 0)
		return -errno;
	/* a parent removed by another container's destroy in between: retry */
	for (int i = 0; i < 3 && r == -ENOENT; i++)
		r = mkdir_chain_once(rootfd, relpath, fn, ud);
	return r;
}
