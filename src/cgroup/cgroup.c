/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The cgroup facade: host detection, the container's cgroup_set, and the
 * helpers shared by the v2 (cgroup2.c) and v1 (cgroup1.c) backends. Every
 * public operation runs over the backends of the host: the v2 one always,
 * the v1 one on hybrid hosts.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "cgroup/cgroup-internal.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/strv.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#define CGROUP_MAX_WALK_DEPTH  128
#define CGROUP_RMDIR_RETRY_MS  2000
#define CGROUP_DESTROY_KILL_MS 5000

/* ---- host detection ---- */

static struct {
	bool done;
	enum cgroup_mode mode;
	const char *v2_root;
	struct cgroup_v1_mount *v1;
	size_t n_v1;
} host;

static bool is_cgroup2(const char *path)
{
	struct statfs fs;

	return statfs(path, &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
}

static void host_detect(void)
{
	_cleanup_free_ char *mountinfo = NULL;
	int r;

	if (host.done)
		return;
	host.done = true;
	if (is_cgroup2(CGROUP_FS_ROOT)) {
		host.mode = CGROUP_MODE_V2;
		host.v2_root = CGROUP_FS_ROOT;
		return;
	}
	if (!is_cgroup2(CGROUP_HYBRID_ROOT)) {
		host.mode = CGROUP_MODE_NONE;
		return;
	}
	host.mode = CGROUP_MODE_HYBRID;
	host.v2_root = CGROUP_HYBRID_ROOT;
	r = fileio_read_at(AT_FDCWD, "/proc/self/mountinfo", &mountinfo, NULL);
	if (r < 0) {
		log_warn("cannot read /proc/self/mountinfo: %s; using no v1 cgroup hierarchies",
			 strerror(-r));
		return;
	}
	r = cgroup_v1_parse_mountinfo(mountinfo, &host.v1, &host.n_v1);
	if (r < 0)
		log_warn("cannot parse /proc/self/mountinfo: %s", strerror(-r));
}

enum cgroup_mode cgroup_host_mode(void)
{
	host_detect();
	return host.mode;
}

const struct cgroup_v1_mount *cgroup_host_v1_mounts(size_t *ret_n)
{
	host_detect();
	*ret_n = host.n_v1;
	return host.v1;
}

bool cgroup_host_is_hybrid(void)
{
	return cgroup_host_mode() == CGROUP_MODE_HYBRID;
}

const char *cgroup_host_v2_root(void)
{
	host_detect();
	return host.v2_root;
}

/* ---- parsing helpers ---- */

static bool valid_component(const char *s, size_t len)
{
	if (len == 0 || len > NAME_MAX)
		return false;
	if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] == '\n' || (unsigned char)s[i] < 0x20)
			return false;
	return true;
}

int cgroup_build_relpath(const char *parent, const char *name, char **ret_parent, char **ret)
{
	_cleanup_free_ char *norm = NULL, *rel = NULL;
	size_t n = 0;

	if (!parent || !name || strchr(name, '/') || !valid_component(name, strlen(name)))
		return -EINVAL;
	norm = malloc(strlen(parent) + 1);
	if (!norm)
		return -ENOMEM;
	for (const char *p = parent; *p;) {
		size_t len;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		len = strcspn(p, "/");
		if (!valid_component(p, len))
			return -EINVAL;
		if (n > 0)
			norm[n++] = '/';
		memcpy(norm + n, p, len);
		n += len;
		p += len;
	}
	if (n == 0)
		return -EINVAL;
	norm[n] = '\0';
	rel = str_printf("/%s/%s", norm, name);
	if (!rel)
		return -ENOMEM;
	if (ret_parent)
		*ret_parent = TAKE_PTR(norm);
	*ret = TAKE_PTR(rel);
	return 0;
}

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

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int rmdir_retry(int dirfd, const char *name)
{
	uint64_t deadline = now_ms() + CGROUP_RMDIR_RETRY_MS;
	unsigned delay = 1;

	for (;;) {
		if (unlinkat(dirfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
			return 0;
		/* tasks that were just killed may still be leaving */
		if (errno != EBUSY || now_ms() >= deadline)
			return -errno;
		sleep_ms(delay);
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

/* ---- the facade ---- */

static int set_new(const char *parent, const char *name, struct cgroup_set **ret)
{
	_cleanup_(cgroup_set_freep) struct cgroup_set *cg = NULL;
	enum cgroup_mode mode = cgroup_host_mode();
	int r;

	if (mode == CGROUP_MODE_NONE)
		return log_error_errno(-EOPNOTSUPP, "no cgroup v2 hierarchy at %s or %s",
				       CGROUP_FS_ROOT, CGROUP_HYBRID_ROOT);
	cg = calloc(1, sizeof(*cg));
	if (!cg)
		return -ENOMEM;
	cg->v2_fd = -EBADF;
	cg->mode = mode;
	r = cgroup_build_relpath(parent, name, &cg->parent, &cg->relpath);
	if (r < 0)
		return log_error_errno(r, "invalid cgroup name '%s/%s'", parent ? parent : "",
				       name ? name : "");
	cg->name = strdup(name);
	cg->v2_path = str_printf("%s%s", host.v2_root, cg->relpath);
	if (!cg->name || !cg->v2_path)
		return -ENOMEM;
	cg->ops[cg->n_ops++] = &cgroup_v2_ops;
	if (mode == CGROUP_MODE_HYBRID && host.n_v1 > 0)
		cg->ops[cg->n_ops++] = &cgroup_v1_ops;
	*ret = TAKE_PTR(cg);
	return 0;
}

/* 1 if any backend found something, 0 if none. */
static int set_open(struct cgroup_set *cg)
{
	int found = 0;

	for (size_t i = 0; i < cg->n_ops; i++) {
		int r = cg->ops[i]->open(cg);
		if (r < 0)
			return r;
		if (r > 0)
			found = 1;
	}
	return found;
}

static int set_remove(struct cgroup_set *cg)
{
	int ret = 0;

	for (size_t i = 0; i < cg->n_ops; i++) {
		int r = cg->ops[i]->remove(cg);
		if (r < 0 && ret == 0)
			ret = r;
	}
	return ret;
}

/* A container's cgroup set, opened where it exists: 1 exists, 0 not, -errno. */
static int set_lookup(const char *parent, const char *name, struct cgroup_set **ret)
{
	int r = set_new(parent, name, ret);

	return r < 0 ? r : set_open(*ret);
}

int cgroup_create(const char *parent, const char *name, struct cgroup_set **ret)
{
	_cleanup_(cgroup_set_freep) struct cgroup_set *cg = NULL;
	int r = set_lookup(parent, name, &cg);

	if (r < 0)
		return r;
	if (r > 0) {
		/* left over by a crash: reuse the name only when nothing runs there */
		if (cgroup_populated(cg))
			return log_error_errno(-EBUSY, "cgroup %s still has processes",
					       cg->relpath);
		log_debug("removing stale cgroup %s", cg->relpath);
		r = set_remove(cg);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < cg->n_ops; i++) {
		r = cg->ops[i]->create(cg);
		if (r < 0) {
			set_remove(cg);
			return r;
		}
	}
	*ret = TAKE_PTR(cg);
	return 0;
}

int cgroup_open(const char *parent, const char *name, struct cgroup_set **ret)
{
	_cleanup_(cgroup_set_freep) struct cgroup_set *cg = NULL;
	int r = set_lookup(parent, name, &cg);

	if (r <= 0)
		return r < 0 ? r : -ENOENT;
	*ret = TAKE_PTR(cg);
	return 0;
}

void cgroup_set_free(struct cgroup_set *cg)
{
	if (!cg)
		return;
	for (size_t i = 0; i < cg->n_ops; i++)
		cg->ops[i]->close(cg);
	CLOSE_FD(cg->v2_fd);
	free(cg->v1);
	free(cg->parent);
	free(cg->name);
	free(cg->relpath);
	free(cg->v2_path);
	free(cg);
}

int cgroup_v2_fd(const struct cgroup_set *cg)
{
	return cg->v2_fd;
}

const char *cgroup_v2_relpath(const struct cgroup_set *cg)
{
	return cg->relpath;
}

const char *cgroup_v2_path(const struct cgroup_set *cg)
{
	return cg->v2_path;
}

int cgroup_attach(struct cgroup_set *cg, pid_t pid)
{
	for (size_t i = 0; i < cg->n_ops; i++) {
		int r = cg->ops[i]->attach(cg, pid);
		if (r < 0)
			return r;
	}
	return 0;
}

int cgroup_attach_v1(struct cgroup_set *cg, pid_t pid)
{
	for (size_t i = 0; i < cg->n_ops; i++) {
		if (cg->ops[i] != &cgroup_v1_ops)
			continue;
		return cg->ops[i]->attach(cg, pid);
	}
	return 0;
}

bool cgroup_populated(struct cgroup_set *cg)
{
	for (size_t i = 0; i < cg->n_ops; i++)
		if (cg->ops[i]->populated(cg) > 0)
			return true;
	return false;
}

int cgroup_freeze(struct cgroup_set *cg, bool frozen)
{
	int ret = 0;

	for (size_t i = 0; i < cg->n_ops; i++) {
		int r = cg->ops[i]->freeze(cg, frozen);
		if (r < 0 && r != -EOPNOTSUPP && ret == 0)
			ret = r;
	}
	return ret;
}

int cgroup_frozen(struct cgroup_set *cg)
{
	for (size_t i = 0; i < cg->n_ops; i++)
		if (cg->ops[i]->frozen(cg) > 0)
			return 1;
	return 0;
}

bool cgroup_is_frozen(const char *parent, const char *name)
{
	_cleanup_(cgroup_set_freep) struct cgroup_set *cg = NULL;

	return cgroup_open(parent, name, &cg) == 0 && cgroup_frozen(cg) > 0;
}

int cgroup_kill_all(struct cgroup_set *cg, unsigned timeout_ms)
{
	uint64_t deadline = now_ms() + timeout_ms;
	unsigned delay = 1;

	for (;;) {
		if (!cgroup_populated(cg))
			return 0;
		/* repeated: forks that raced the previous round are caught now */
		for (size_t i = 0; i < cg->n_ops; i++)
			(void)cg->ops[i]->kill(cg);
		if (now_ms() >= deadline)
			break;
		sleep_ms(delay);
		if (delay < 16)
			delay *= 2;
	}
	if (!cgroup_populated(cg))
		return 0;
	log_error("processes left in cgroup %s after SIGKILL for %u ms", cg->relpath, timeout_ms);
	return -ETIMEDOUT;
}

int cgroup_destroy(struct cgroup_set *cg)
{
	if (cgroup_populated(cg) && cgroup_kill_all(cg, CGROUP_DESTROY_KILL_MS) < 0)
		return -EBUSY;
	return set_remove(cg);
}

int cgroup_stats(struct cgroup_set *cg, struct cgroup_stats *ret)
{
	*ret = (struct cgroup_stats){
		.memory_current = UINT64_MAX,
		.memory_peak = UINT64_MAX,
		.cpu_usec = UINT64_MAX,
		.pids_current = UINT64_MAX,
		.pids_max = UINT64_MAX,
		.io_read_bytes = UINT64_MAX,
		.io_write_bytes = UINT64_MAX,
	};
	for (size_t i = 0; i < cg->n_ops; i++)
		cg->ops[i]->stats(cg, ret);
	return 0;
}
