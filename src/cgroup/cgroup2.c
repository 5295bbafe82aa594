/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The v2 backend: the container's cgroup under the host's v2 root (the whole
 * /sys/fs/cgroup on pure v2 hosts, /sys/fs/cgroup/unified on hybrid ones).
 * The directory is delegated to the guest's init, which creates children
 * (init.scope, system.slice, ...) and enables controllers below it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "cgroup/cgroup-internal.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/strv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FREEZE_WAIT_MS 1000

static bool word_in(const char *list, const char *word, size_t len)
{
	for (const char *p = list; *p;) {
		size_t n;

		p += strspn(p, " \t\n");
		n = strcspn(p, " \t\n");
		if (n == len && strncmp(p, word, len) == 0)
			return true;
		p += n;
	}
	return false;
}

/* Enable in parentfd's cgroup.subtree_control every controller it has, so
 * its children (and the guest below them) can use and delegate them. */
static void enable_controllers(int parentfd, const char *path)
{
	_cleanup_free_ char *avail = NULL, *enabled = NULL;

	if (fileio_read_at(parentfd, "cgroup.controllers", &avail, NULL) < 0 ||
	    fileio_read_at(parentfd, "cgroup.subtree_control", &enabled, NULL) < 0)
		return;
	for (const char *p = avail; *p;) {
		char buf[64];
		size_t n;
		int r;

		p += strspn(p, " \t\n");
		n = strcspn(p, " \t\n");
		if (n == 0)
			break;
		if (n < sizeof(buf) - 1 && !word_in(enabled, p, n)) {
			snprintf(buf, sizeof(buf), "+%.*s", (int)n, p);
			r = cgroup_write_at(parentfd, "cgroup.subtree_control", buf);
			if (r < 0)
				log_warn_errno(r, "cannot enable cgroup controller %s above %s: %m",
					       buf + 1, path);
		}
		p += n;
	}
}

static int chain_level(int parentfd, int fd, bool created, void *ud)
{
	struct cgroup_set *cg = ud;

	if (cg->mode == CGROUP_MODE_V2)
		enable_controllers(parentfd, cg->v2_path);
	return 0;
}

static int v2_open(struct cgroup_set *cg)
{
	CLOSE_FD(cg->v2_fd);
	cg->v2_fd = open(cg->v2_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cg->v2_fd >= 0)
		return 1;
	if (errno == ENOENT)
		return 0;
	return log_error_errno(-errno, "cannot open cgroup %s: %m", cg->v2_path);
}

static int v2_create(struct cgroup_set *cg)
{
	int fd;

	CLOSE_FD(cg->v2_fd);
	fd = cgroup_mkdir_chain(cgroup_host_v2_root(), cg->relpath, chain_level, cg);
	if (fd < 0)
		return log_error_errno(fd, "cannot create cgroup %s: %m", cg->v2_path);
	cg->v2_fd = fd;
	return 0;
}

static int v2_attach(struct cgroup_set *cg, pid_t pid)
{
	char buf[32];
	int r;

	if (cg->v2_fd < 0)
		return log_error_errno(-ENOENT, "cgroup %s does not exist", cg->v2_path);
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	r = cgroup_write_at(cg->v2_fd, "cgroup.procs", buf);
	if (r < 0)
		return log_error_errno(r, "cannot move process %d into cgroup %s: %m", (int)pid,
				       cg->v2_path);
	return 0;
}

static int v2_populated(struct cgroup_set *cg)
{
	uint64_t v;
	int r;

	if (cg->v2_fd < 0)
		return 0;
	r = cgroup_read_keyed_u64_at(cg->v2_fd, "cgroup.events", "populated", &v);
	if (r == -ENOENT || r == -EINVAL)
		return cgroup_has_procs(cg->v2_fd); /* kernels without cgroup.events */
	if (r < 0)
		return r == -ENODEV ? 0 : r;
	return v > 0;
}

static int v2_freeze(struct cgroup_set *cg, bool frozen)
{
	uint64_t v = 0;
	int r;

	if (cg->v2_fd < 0)
		return -ENOENT;
	r = cgroup_write_at(cg->v2_fd, "cgroup.freeze", frozen ? "1" : "0");
	if (r == -ENOENT)
		return -EOPNOTSUPP;
	if (r < 0)
		return log_error_errno(r, "cannot %s cgroup %s: %m", frozen ? "freeze" : "thaw",
				       cg->v2_path);
	if (!frozen)
		return 0;
	for (unsigned waited = 0; waited < FREEZE_WAIT_MS; waited += 5) {
		struct timespec ts = {.tv_nsec = 5000000L};

		if (cgroup_read_keyed_u64_at(cg->v2_fd, "cgroup.events", "frozen", &v) < 0 || v > 0)
			break;
		nanosleep(&ts, NULL);
	}
	return 0;
}

static int v2_frozen(struct cgroup_set *cg)
{
	uint64_t v = 0;

	if (cg->v2_fd < 0 || cgroup_read_u64_at(cg->v2_fd, "cgroup.freeze", &v) < 0)
		return 0;
	return v > 0;
}

static int v2_kill(struct cgroup_set *cg)
{
	int r;

	if (cg->v2_fd < 0)
		return 0;
	r = cgroup_write_at(cg->v2_fd, "cgroup.kill", "1");
	if (r != -ENOENT)
		return r == -ENODEV ? 0 : r;
	/* no cgroup.kill (before Linux 5.14): freeze so nothing forks, kill, thaw */
	bool frozen = cgroup_write_at(cg->v2_fd, "cgroup.freeze", "1") == 0;
	r = cgroup_kill_procs(cg->v2_fd);
	if (frozen)
		(void)cgroup_write_at(cg->v2_fd, "cgroup.freeze", "0");
	return r;
}

static int v2_remove(struct cgroup_set *cg)
{
	_cleanup_close_ int rootfd = open(cgroup_host_v2_root(), O_PATH | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (rootfd < 0)
		return log_error_errno(-errno, "cannot open %s: %m", cgroup_host_v2_root());
	r = cgroup_rmdir_tree(rootfd, cg->relpath + 1);
	if (r < 0)
		return log_error_errno(r, "cannot remove cgroup %s: %m", cg->v2_path);
	CLOSE_FD(cg->v2_fd);
	cgroup_rmdir_parents(cgroup_host_v2_root(), cg->parent);
	return 0;
}

static void fill(int fd, const char *file, const char *key, uint64_t *field)
{
	uint64_t v;
	int r;

	if (*field != UINT64_MAX)
		return;
	r = key ? cgroup_read_keyed_u64_at(fd, file, key, &v) : cgroup_read_u64_at(fd, file, &v);
	if (r == 0)
		*field = v;
}

static void v2_stats(struct cgroup_set *cg, struct cgroup_stats *st)
{
	if (cg->v2_fd < 0)
		return;
	fill(cg->v2_fd, "memory.current", NULL, &st->memory_current);
	fill(cg->v2_fd, "memory.peak", NULL, &st->memory_peak);
	fill(cg->v2_fd, "cpu.stat", "usage_usec", &st->cpu_usec);
	fill(cg->v2_fd, "pids.current", NULL, &st->pids_current);
	fill(cg->v2_fd, "pids.max", NULL, &st->pids_max);
	if (st->io_read_bytes == UINT64_MAX) {
		_cleanup_free_ char *io = NULL;
		if (fileio_read_at(cg->v2_fd, "io.stat", &io, NULL) == 0)
			(void)cgroup_parse_io_bytes(io, &st->io_read_bytes, &st->io_write_bytes);
	}
}

/* ---- limits ---- */

static bool v2_has_limit(struct cgroup_set *cg, const char *key)
{
	return cg->v2_fd >= 0 && faccessat(cg->v2_fd, key, F_OK, 0) == 0;
}

static int v2_set_limit(struct cgroup_set *cg, const char *key, const char *value)
{
	_cleanup_close_ int up = -EBADF;
	_cleanup_free_ char *allowed = NULL, *eff = NULL;
	int r = cgroup_write_at(cg->v2_fd, key, value);

	if (r == 0)
		return 0;
	if (str_startswith(key, "cpuset.") && (r == -EINVAL || r == -ERANGE)) {
		eff = str_printf("%s.effective", key);
		up = openat(cg->v2_fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (eff && up >= 0 && fileio_read_at(up, eff, &allowed, NULL) == 0) {
			allowed[strcspn(allowed, "\n")] = '\0';
			return log_error_errno(
				r, "cgroup.%s: \"%s\" is not within what the host allows (%s)", key,
				value, allowed);
		}
	}
	return log_error_errno(r, "cgroup.%s: cannot write \"%s\" to %s/%s: %m", key, value,
			       cg->v2_path, key);
}

static int v2_get_limit(struct cgroup_set *cg, const char *key, char **ret)
{
	char *s = NULL;
	size_t len;
	int r = fileio_read_at(cg->v2_fd, key, &s, &len);

	if (r < 0)
		return r;
	while (len > 0 && s[len - 1] == '\n')
		s[--len] = '\0';
	*ret = s;
	return 0;
}

static void v2_close(struct cgroup_set *cg)
{
	CLOSE_FD(cg->v2_fd);
}

const struct cgroup_ops cgroup_v2_ops = {
	.name = "v2",
	.by_clone = true,
	.open = v2_open,
	.create = v2_create,
	.attach = v2_attach,
	.populated = v2_populated,
	.freeze = v2_freeze,
	.frozen = v2_frozen,
	.kill = v2_kill,
	.remove = v2_remove,
	.stats = v2_stats,
	.has_limit = v2_has_limit,
	.set_limit = v2_set_limit,
	.get_limit = v2_get_limit,
	.close = v2_close,
};
