/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The v1 backend of hybrid hosts: the container's directory in every v1
 * controller hierarchy the host mounts (found in /proc/self/mountinfo).
 * v1 has no cgroup.kill and no populated flag: processes are found by
 * walking cgroup.procs, and the freezer keeps them from forking while they
 * are killed.
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
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FREEZE_WAIT_MS 1000
#define KILL_FREEZE_MS 100

static const struct {
	const char *name;
	unsigned bit;
} controllers[] = {
	{"memory", CGROUP_V1_MEMORY},	{"cpu", CGROUP_V1_CPU},
	{"cpuacct", CGROUP_V1_CPUACCT}, {"cpuset", CGROUP_V1_CPUSET},
	{"pids", CGROUP_V1_PIDS},	{"blkio", CGROUP_V1_BLKIO},
	{"devices", CGROUP_V1_DEVICES}, {"freezer", CGROUP_V1_FREEZER},
};

/* ---- discovery ---- */

unsigned cgroup_v1_controller_mask(const char *opts)
{
	unsigned mask = 0;

	for (const char *p = opts; *p;) {
		size_t n = strcspn(p, ",");

		for (size_t i = 0; i < ARRAY_SIZE(controllers); i++)
			if (strlen(controllers[i].name) == n && !strncmp(p, controllers[i].name, n))
				mask |= controllers[i].bit;
		p += n;
		if (*p == ',')
			p++;
	}
	return mask;
}

/* Undo mountinfo's octal escapes (\040 for a space, ...). */
static void unescape(char *s)
{
	char *w = s;

	for (char *r = s; *r;) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 4;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
}

/* Split one mountinfo line (modified in place) into mount point, fs type and
 * super options. -EINVAL when malformed. */
static int split_line(char *line, char **ret_mnt, char **ret_type, char **ret_opts)
{
	char *field[64], *save = NULL;
	size_t n = 0, sep = 0;

	for (char *tok = strtok_r(line, " \t", &save); tok && n < ARRAY_SIZE(field);
	     tok = strtok_r(NULL, " \t", &save))
		field[n++] = tok;
	/* id parent maj:min root mountpoint options [optional...] - type source superopts */
	for (size_t i = 6; i < n; i++)
		if (!strcmp(field[i], "-")) {
			sep = i;
			break;
		}
	if (sep == 0 || sep + 3 >= n)
		return -EINVAL;
	*ret_mnt = field[4];
	*ret_type = field[sep + 1];
	*ret_opts = field[sep + 3];
	return 0;
}

void cgroup_v1_mounts_free(struct cgroup_v1_mount *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(m[i].path);
	free(m);
}

int cgroup_v1_parse_mountinfo(const char *text, struct cgroup_v1_mount **ret, size_t *ret_n)
{
	_cleanup_free_ char *copy = strdup(text);
	struct cgroup_v1_mount *m = NULL;
	unsigned seen = 0;
	size_t n = 0;
	char *save = NULL;

	if (!copy)
		return -ENOMEM;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *mnt, *type, *opts;
		unsigned mask;

		if (split_line(line, &mnt, &type, &opts) < 0 || strcmp(type, "cgroup") != 0)
			continue;
		mask = cgroup_v1_controller_mask(opts);
		/* name=systemd, net_cls, ...: not ours; overlap: a bind mount of one we have */
		if (mask == 0 || (mask & seen))
			continue;
		struct cgroup_v1_mount *nm = realloc(m, (n + 1) * sizeof(*m));
		if (!nm)
			goto enomem;
		m = nm;
		m[n].path = strdup(mnt);
		if (!m[n].path)
			goto enomem;
		unescape(m[n].path);
		m[n].mask = mask;
		n++;
		seen |= mask;
	}
	*ret = m;
	*ret_n = n;
	return 0;
enomem:
	cgroup_v1_mounts_free(m, n);
	return -ENOMEM;
}

/* ---- the container's v1 directories ---- */

static int dirs_init(struct cgroup_set *cg)
{
	const struct cgroup_v1_mount *m;
	size_t n;

	if (cg->v1)
		return 0;
	m = cgroup_host_v1_mounts(&n);
	cg->v1 = calloc(n ? n : 1, sizeof(*cg->v1));
	if (!cg->v1)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		cg->v1[i].root = m[i].path;
		cg->v1[i].mask = m[i].mask;
		cg->v1[i].fd = -EBADF;
		cg->v1[i].path = str_printf("%s%s", m[i].path, cg->relpath);
		cg->n_v1++; /* count before the check: close() frees what was made */
		if (!cg->v1[i].path)
			return -ENOMEM;
	}
	return 0;
}

static struct cgroup_v1_dir *find_dir(struct cgroup_set *cg, unsigned bit)
{
	for (size_t i = 0; i < cg->n_v1; i++)
		if ((cg->v1[i].mask & bit) && cg->v1[i].fd >= 0)
			return &cg->v1[i];
	return NULL;
}

static int v1_open(struct cgroup_set *cg)
{
	int found = 0, r;

	r = dirs_init(cg);
	if (r < 0)
		return r;
	for (size_t i = 0; i < cg->n_v1; i++) {
		struct cgroup_v1_dir *d = &cg->v1[i];

		CLOSE_FD(d->fd);
		d->fd = open(d->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (d->fd >= 0)
			found = 1;
		else if (errno != ENOENT)
			return log_error_errno(-errno, "cannot open cgroup %s: %m", d->path);
	}
	return found;
}

static bool blank(const char *s)
{
	for (; *s; s++)
		if (!isspace((unsigned char)*s))
			return false;
	return true;
}

/* A new cpuset cgroup has no cpus and mems and cannot take tasks: copy the parent's. */
static int copy_cpuset(int parentfd, int fd)
{
	static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		_cleanup_free_ char *mine = NULL, *theirs = NULL;
		int r;

		r = fileio_read_at(fd, files[i], &mine, NULL);
		if (r < 0)
			return r;
		if (!blank(mine))
			continue;
		r = fileio_read_at(parentfd, files[i], &theirs, NULL);
		if (r < 0)
			return r;
		theirs[strcspn(theirs, "\n")] = '\0';
		if (blank(theirs))
			continue;
		r = cgroup_write_at(fd, files[i], theirs);
		if (r < 0)
			return r;
	}
	return 0;
}

static int chain_level(int parentfd, int fd, bool created, void *ud)
{
	const struct cgroup_v1_dir *d = ud;

	if (d->mask & CGROUP_V1_CPUSET)
		return copy_cpuset(parentfd, fd);
	return 0;
}

static int v1_create(struct cgroup_set *cg)
{
	int r = dirs_init(cg);

	if (r < 0)
		return r;
	for (size_t i = 0; i < cg->n_v1; i++) {
		struct cgroup_v1_dir *d = &cg->v1[i];
		int fd;

		CLOSE_FD(d->fd);
		fd = cgroup_mkdir_chain(d->root, cg->relpath, chain_level, d);
		if (fd < 0)
			return log_error_errno(fd, "cannot create cgroup %s: %s", d->path,
					       strerror(-fd));
		d->fd = fd;
	}
	return 0;
}

static int v1_attach(struct cgroup_set *cg, pid_t pid)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%d", (int)pid);
	for (size_t i = 0; i < cg->n_v1; i++) {
		struct cgroup_v1_dir *d = &cg->v1[i];
		int r;

		if (d->fd < 0)
			return log_error_errno(-ENOENT, "cgroup %s does not exist", d->path);
		r = cgroup_write_at(d->fd, "cgroup.procs", buf);
		if (r < 0)
			return log_error_errno(r, "cannot move process %d into cgroup %s: %s",
					       (int)pid, d->path, strerror(-r));
	}
	return 0;
}

static int v1_populated(struct cgroup_set *cg)
{
	for (size_t i = 0; i < cg->n_v1; i++)
		if (cg->v1[i].fd >= 0 && cgroup_has_procs(cg->v1[i].fd) > 0)
			return 1;
	return 0;
}

static int freezer_set(struct cgroup_v1_dir *d, bool frozen, unsigned wait_ms)
{
	const char *want = frozen ? "FROZEN" : "THAWED";
	int r = cgroup_write_at(d->fd, "freezer.state", want);

	if (r < 0)
		return r;
	for (unsigned waited = 0; waited < wait_ms; waited += 2) {
		_cleanup_free_ char *state = NULL;
		struct timespec ts = {.tv_nsec = 2000000L};

		if (fileio_read_at(d->fd, "freezer.state", &state, NULL) < 0 ||
		    !strncmp(state, want, strlen(want)))
			break;
		nanosleep(&ts, NULL);
	}
	return 0;
}

static int v1_freeze(struct cgroup_set *cg, bool frozen)
{
	struct cgroup_v1_dir *d = find_dir(cg, CGROUP_V1_FREEZER);
	int r;

	if (!d)
		return -EOPNOTSUPP;
	r = freezer_set(d, frozen, frozen ? FREEZE_WAIT_MS : 0);
	if (r < 0)
		return log_error_errno(r, "cannot %s cgroup %s: %s", frozen ? "freeze" : "thaw",
				       d->path, strerror(-r));
	return 0;
}

static int v1_kill(struct cgroup_set *cg)
{
	struct cgroup_v1_dir *fz = find_dir(cg, CGROUP_V1_FREEZER);
	bool frozen = fz && freezer_set(fz, true, KILL_FREEZE_MS) == 0;
	int count = 0;

	/* frozen tasks cannot fork; the SIGKILL takes effect when thawed */
	for (size_t i = 0; i < cg->n_v1; i++) {
		int r = cgroup_kill_procs(cg->v1[i].fd);
		if (r > 0)
			count += r;
	}
	if (frozen)
		(void)freezer_set(fz, false, 0);
	return count;
}

static int v1_remove(struct cgroup_set *cg)
{
	int ret = dirs_init(cg);

	if (ret < 0)
		return ret;
	for (size_t i = 0; i < cg->n_v1; i++) {
		struct cgroup_v1_dir *d = &cg->v1[i];
		_cleanup_close_ int rootfd = open(d->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
		int r;

		if (rootfd < 0)
			r = -errno;
		else
			r = cgroup_rmdir_tree(rootfd, cg->relpath + 1);
		if (r < 0) {
			log_error("cannot remove cgroup %s: %s", d->path, strerror(-r));
			if (ret == 0)
				ret = r;
			continue;
		}
		CLOSE_FD(d->fd);
		cgroup_rmdir_parents(d->root, cg->parent);
	}
	return ret;
}

static void fill(struct cgroup_set *cg, unsigned bit, const char *file, uint64_t div,
		 uint64_t *field)
{
	struct cgroup_v1_dir *d = find_dir(cg, bit);
	uint64_t v;

	if (*field != UINT64_MAX || !d || cgroup_read_u64_at(d->fd, file, &v) < 0)
		return;
	*field = v == UINT64_MAX ? v : v / div;
}

static void v1_stats(struct cgroup_set *cg, struct cgroup_stats *st)
{
	fill(cg, CGROUP_V1_MEMORY, "memory.usage_in_bytes", 1, &st->memory_current);
	fill(cg, CGROUP_V1_MEMORY, "memory.max_usage_in_bytes", 1, &st->memory_peak);
	fill(cg, CGROUP_V1_CPUACCT, "cpuacct.usage", 1000, &st->cpu_usec);
	fill(cg, CGROUP_V1_PIDS, "pids.current", 1, &st->pids_current);
	fill(cg, CGROUP_V1_PIDS, "pids.max", 1, &st->pids_max);
}

static void v1_close(struct cgroup_set *cg)
{
	for (size_t i = 0; i < cg->n_v1; i++) {
		CLOSE_FD(cg->v1[i].fd);
		free(cg->v1[i].path);
		cg->v1[i].path = NULL;
	}
}

const struct cgroup_ops cgroup_v1_ops = {
	.name = "v1",
	.open = v1_open,
	.create = v1_create,
	.attach = v1_attach,
	.populated = v1_populated,
	.freeze = v1_freeze,
	.kill = v1_kill,
	.remove = v1_remove,
	.stats = v1_stats,
	.close = v1_close,
};
