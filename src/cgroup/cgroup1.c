/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The v1 backend of hybrid hosts: the container's directory in every v1
 * controller hierarchy the host mounts (found by host.c).
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
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FREEZE_WAIT_MS 1000
#define KILL_FREEZE_MS 100

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
		cg->v1[i].tasks_fd = -EBADF;
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
			return log_error_errno(fd, "cannot create cgroup %s: %m", d->path);
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
			return log_error_errno(r, "cannot move process %d into cgroup %s: %m",
					       (int)pid, d->path);
	}
	return 0;
}

static int join_open_except(struct cgroup_set *cg, unsigned skip)
{
	for (size_t i = 0; i < cg->n_v1; i++) {
		struct cgroup_v1_dir *d = &cg->v1[i];

		CLOSE_FD(d->tasks_fd);
		if (d->mask & skip)
			continue;
		int r = d->fd < 0 ? log_error_errno(-ENOENT, "cgroup %s does not exist", d->path)
				  : 0;

		if (r == 0) {
			d->tasks_fd = openat(d->fd, "tasks", O_WRONLY | O_CLOEXEC);
			if (d->tasks_fd < 0)
				r = log_error_errno(-errno, "cannot open %s/tasks: %m", d->path);
		}
		if (r < 0) {
			cgroup_v1_join_close(cg);
			return r;
		}
	}
	return 0;
}

int cgroup_v1_join_open(struct cgroup_set *cg)
{
	return join_open_except(cg, 0);
}

int cgroup_v1_join_open_except_pids(struct cgroup_set *cg)
{
	return join_open_except(cg, CGROUP_V1_PIDS);
}

int cgroup_v1_join(struct cgroup_set *cg)
{
	int r = 0;

	for (size_t i = 0; i < cg->n_v1; i++) {
		struct cgroup_v1_dir *d = &cg->v1[i];

		if (d->tasks_fd < 0)
			continue;
		if (r == 0 && write(d->tasks_fd, "0", 1) != 1)
			r = log_error_errno(-errno, "cannot move into cgroup %s: %m", d->path);
		CLOSE_FD(d->tasks_fd);
	}
	return r;
}

void cgroup_v1_join_close(struct cgroup_set *cg)
{
	for (size_t i = 0; i < cg->n_v1; i++)
		CLOSE_FD(cg->v1[i].tasks_fd);
}

bool cgroup_v1_has_pids(struct cgroup_set *cg)
{
	return find_dir(cg, CGROUP_V1_PIDS) != NULL;
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
		return log_error_errno(r, "cannot %s cgroup %s: %m", frozen ? "freeze" : "thaw",
				       d->path);
	return 0;
}

static int v1_frozen(struct cgroup_set *cg)
{
	struct cgroup_v1_dir *d = find_dir(cg, CGROUP_V1_FREEZER);
	_cleanup_free_ char *state = NULL;

	if (!d || fileio_read_at(d->fd, "freezer.state", &state, NULL) < 0)
		return 0;
	return strncmp(state, "THAWED", 6) != 0;
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
			log_error_errno(r, "cannot remove cgroup %s: %m", d->path);
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
	struct cgroup_v1_dir *d = find_dir(cg, CGROUP_V1_BLKIO);
	if (d && st->io_read_bytes == UINT64_MAX) {
		_cleanup_free_ char *io = NULL;
		if (fileio_read_at(d->fd, "blkio.throttle.io_service_bytes_recursive", &io, NULL) ==
		    0)
			(void)cgroup_parse_io_bytes(io, &st->io_read_bytes, &st->io_write_bytes);
	}
}

/* ---- limits: v2 vocabulary -> v1 files ---- */

uint64_t cgroup_weight_to_shares(uint64_t weight)
{
	return 2 + ((weight - 1) * 262142) / 9999;
}

uint64_t cgroup_shares_to_weight(uint64_t shares)
{
	if (shares < 2)
		shares = 2;
	/* rounded up: the inverse of the rounded-down mapping above, exact round trip */
	return 1 + ((shares - 2) * 9999 + 262141) / 262142;
}

uint64_t cgroup_weight_to_blkio(uint64_t weight)
{
	return 10 + ((weight - 1) * 990) / 9999;
}

uint64_t cgroup_blkio_to_weight(uint64_t bw)
{
	if (bw < 10)
		bw = 10;
	return 1 + ((bw - 10) * 9999) / 990;
}

static struct cgroup_v1_write *add_write(struct cgroup_v1_write *out, size_t *n, unsigned ctrl,
					 const char *file, const char *alt)
{
	struct cgroup_v1_write *w = &out[(*n)++];

	*w = (struct cgroup_v1_write){.ctrl = ctrl, .file = file, .alt = alt};
	return w;
}

/* A v1 byte limit: "max" is -1 there. */
static void fmt_bytes(char *buf, size_t len, uint64_t v)
{
	if (v == UINT64_MAX)
		snprintf(buf, len, "-1");
	else
		snprintf(buf, len, "%" PRIu64, v);
}

static int tr_memory_max(uint64_t v, const struct cgroup_v1_now *now, struct cgroup_v1_write *out,
			 size_t *n)
{
	struct cgroup_v1_write *lim, *sw;
	uint64_t swap, memsw;

	if (now->memsw_limit == UINT64_MAX || now->mem_limit == UINT64_MAX) {
		fmt_bytes(add_write(out, n, CGROUP_V1_MEMORY, "memory.limit_in_bytes", NULL)->value,
			  sizeof(out->value), v);
		return 0;
	}
	/* keep the swap allowance (memsw - mem); memsw >= mem at every step */
	swap = now->memsw_limit - now->mem_limit;
	memsw = v == UINT64_MAX || v > UINT64_MAX - 1 - swap ? UINT64_MAX : v + swap;
	if (v != UINT64_MAX && v <= now->mem_limit) {
		lim = add_write(out, n, CGROUP_V1_MEMORY, "memory.limit_in_bytes", NULL);
		sw = add_write(out, n, CGROUP_V1_MEMORY, "memory.memsw.limit_in_bytes", NULL);
	} else {
		sw = add_write(out, n, CGROUP_V1_MEMORY, "memory.memsw.limit_in_bytes", NULL);
		lim = add_write(out, n, CGROUP_V1_MEMORY, "memory.limit_in_bytes", NULL);
	}
	fmt_bytes(lim->value, sizeof(lim->value), v);
	fmt_bytes(sw->value, sizeof(sw->value), memsw);
	return 0;
}

static int tr_swap_max(uint64_t v, const struct cgroup_v1_now *now, struct cgroup_v1_write *out,
		       size_t *n)
{
	uint64_t memsw;

	if (now->mem_limit == UINT64_MAX) {
		if (v != UINT64_MAX)
			return -EDOM;
		memsw = UINT64_MAX;
	} else {
		memsw = v == UINT64_MAX || v > UINT64_MAX - 1 - now->mem_limit ? UINT64_MAX
									       : now->mem_limit + v;
	}
	fmt_bytes(add_write(out, n, CGROUP_V1_MEMORY, "memory.memsw.limit_in_bytes", NULL)->value,
		  sizeof(out->value), memsw);
	return 0;
}

static int tr_cpu_max(const char *value, struct cgroup_v1_write *out, size_t *n)
{
	char quota[32];
	uint64_t q, period;
	const char *sp = strchr(value, ' ');

	if (!sp || (size_t)(sp - value) >= sizeof(quota))
		return -EINVAL;
	memcpy(quota, value, (size_t)(sp - value));
	quota[sp - value] = '\0';
	if (cgroup_parse_u64(quota, &q) < 0 || cgroup_parse_u64(sp + 1, &period) < 0 ||
	    period == UINT64_MAX)
		return -EINVAL;
	snprintf(add_write(out, n, CGROUP_V1_CPU, "cpu.cfs_period_us", NULL)->value,
		 sizeof(out->value), "%" PRIu64, period);
	fmt_bytes(add_write(out, n, CGROUP_V1_CPU, "cpu.cfs_quota_us", NULL)->value,
		  sizeof(out->value), q);
	return 0;
}

/* "MAJ:MIN" at the start of s; returns its length, 0 if malformed. */
static size_t devnum_len(const char *s)
{
	unsigned maj, min;
	int len = 0;

	if (sscanf(s, "%u:%u%n", &maj, &min, &len) != 2 || len <= 0 || len > 20)
		return 0;
	return (size_t)len;
}

static int tr_io_max(const char *value, struct cgroup_v1_write *out, size_t *n)
{
	static const struct {
		const char *key, *file;
	} map[] = {
		{"rbps", "blkio.throttle.read_bps_device"},
		{"wbps", "blkio.throttle.write_bps_device"},
		{"riops", "blkio.throttle.read_iops_device"},
		{"wiops", "blkio.throttle.write_iops_device"},
	};
	size_t dl = devnum_len(value);
	const char *p = value + dl;

	if (dl == 0 || *p != ' ')
		return -EINVAL;
	while (*p == ' ')
		p++;
	while (*p) {
		size_t len = strcspn(p, " "), i;
		const char *eq = memchr(p, '=', len);
		char num[32];
		uint64_t v;

		for (i = 0; eq && i < ARRAY_SIZE(map); i++)
			if (strlen(map[i].key) == (size_t)(eq - p) &&
			    !strncmp(p, map[i].key, (size_t)(eq - p)))
				break;
		if (!eq || i == ARRAY_SIZE(map) || len - (size_t)(eq + 1 - p) >= sizeof(num) ||
		    *n >= CGROUP_V1_MAX_WRITES)
			return -EINVAL;
		memcpy(num, eq + 1, len - (size_t)(eq + 1 - p));
		num[len - (size_t)(eq + 1 - p)] = '\0';
		if (cgroup_parse_u64(num, &v) < 0)
			return -EINVAL;
		/* v1: 0 removes the limit */
		snprintf(add_write(out, n, CGROUP_V1_BLKIO, map[i].file, NULL)->value,
			 sizeof(out->value), "%.*s %" PRIu64, (int)dl, value,
			 v == UINT64_MAX ? 0 : v);
		p += len;
		while (*p == ' ')
			p++;
	}
	return *n > 0 ? 0 : -EINVAL;
}

static int tr_io_weight(const char *value, struct cgroup_v1_write *out, size_t *n)
{
	size_t dl = strncmp(value, "default ", 8) == 0 ? 0 : devnum_len(value);
	uint64_t w;

	if (dl == 0 && strncmp(value, "default ", 8) != 0)
		return -EINVAL;
	if (cgroup_parse_u64(value + (dl ? dl : 7), &w) < 0 || w < 1 || w > 10000)
		return -EINVAL;
	if (dl == 0)
		snprintf(add_write(out, n, CGROUP_V1_BLKIO, "blkio.weight", "blkio.bfq.weight")
				 ->value,
			 sizeof(out->value), "%" PRIu64, cgroup_weight_to_blkio(w));
	else
		snprintf(add_write(out, n, CGROUP_V1_BLKIO, "blkio.weight_device",
				   "blkio.bfq.weight_device")
				 ->value,
			 sizeof(out->value), "%.*s %" PRIu64, (int)dl, value,
			 cgroup_weight_to_blkio(w));
	return 0;
}

static int tr_simple(const char *key, const char *value, struct cgroup_v1_write *out, size_t *n)
{
	uint64_t v;

	if (!strcmp(key, "cpu.weight")) {
		if (cgroup_parse_u64(value, &v) < 0 || v < 1 || v > 10000)
			return -EINVAL;
		snprintf(add_write(out, n, CGROUP_V1_CPU, "cpu.shares", NULL)->value,
			 sizeof(out->value), "%" PRIu64, cgroup_weight_to_shares(v));
		return 0;
	}
	if (!strcmp(key, "memory.high")) {
		if (cgroup_parse_u64(value, &v) < 0)
			return -EINVAL;
		fmt_bytes(add_write(out, n, CGROUP_V1_MEMORY, "memory.soft_limit_in_bytes", NULL)
				  ->value,
			  sizeof(out->value), v);
		return 0;
	}
	if (!strcmp(key, "pids.max")) {
		if (cgroup_parse_u64(value, &v) < 0)
			return -EINVAL;
		snprintf(add_write(out, n, CGROUP_V1_PIDS, "pids.max", NULL)->value,
			 sizeof(out->value), "%s", value);
		return 0;
	}
	if (!strcmp(key, "cpuset.cpus") || !strcmp(key, "cpuset.mems")) {
		if (strlen(value) >= sizeof(out->value))
			return -EINVAL;
		snprintf(add_write(out, n, CGROUP_V1_CPUSET,
				   key[7] == 'c' ? "cpuset.cpus" : "cpuset.mems", NULL)
				 ->value,
			 sizeof(out->value), "%s", value);
		return 0;
	}
	return -EOPNOTSUPP;
}

int cgroup_v1_translate(const char *key, const char *value, const struct cgroup_v1_now *now,
			struct cgroup_v1_write out[CGROUP_V1_MAX_WRITES], size_t *ret_n)
{
	uint64_t v;
	int r;

	*ret_n = 0;
	if (!strcmp(key, "memory.max") || !strcmp(key, "memory.swap.max")) {
		if (cgroup_parse_u64(value, &v) < 0)
			return -EINVAL;
		r = key[7] == 'm' ? tr_memory_max(v, now, out, ret_n)
				  : tr_swap_max(v, now, out, ret_n);
	} else if (!strcmp(key, "cpu.max")) {
		r = tr_cpu_max(value, out, ret_n);
	} else if (!strcmp(key, "io.max")) {
		r = tr_io_max(value, out, ret_n);
	} else if (!strcmp(key, "io.weight")) {
		r = tr_io_weight(value, out, ret_n);
	} else {
		r = tr_simple(key, value, out, ret_n);
	}
	if (r < 0)
		*ret_n = 0;
	return r;
}

/* A v1 memory limit: the huge "no limit" values read as UINT64_MAX. */
static uint64_t read_mem(struct cgroup_v1_dir *d, const char *file)
{
	uint64_t v;

	if (!d || cgroup_read_u64_at(d->fd, file, &v) < 0 || v >= CGROUP_V1_MEM_UNLIMITED)
		return UINT64_MAX;
	return v;
}

/* Check every write has its controller and file before anything is written,
 * so a key the host cannot honour changes nothing. */
static int check_writes(struct cgroup_set *cg, const char *key, struct cgroup_v1_write *w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct cgroup_v1_dir *d = find_dir(cg, w[i].ctrl);

		if (!d)
			return log_error_errno(-EOPNOTSUPP,
					       "cgroup.%s: the host has no %s controller (no %s in "
					       "the v2 cgroup, no v1 %s hierarchy)",
					       key, cgroup_v1_controller_name(w[i].ctrl), key,
					       cgroup_v1_controller_name(w[i].ctrl));
		if (faccessat(d->fd, w[i].file, F_OK, 0) == 0)
			continue;
		if (w[i].alt && faccessat(d->fd, w[i].alt, F_OK, 0) == 0) {
			w[i].file = w[i].alt;
			continue;
		}
		return log_error_errno(
			-EOPNOTSUPP, "cgroup.%s: the host cannot honour it: %s/%s is missing%s",
			key, d->path, w[i].file,
			strstr(w[i].file, "memsw") ? " (swap accounting is off)" : "");
	}
	return 0;
}

static void log_write_error(struct cgroup_v1_dir *d, const char *key, const char *value,
			    const struct cgroup_v1_write *w, int r)
{
	_cleanup_close_ int up = -EBADF;
	_cleanup_free_ char *allowed = NULL;

	if (w->ctrl == CGROUP_V1_CPUSET && (r == -EINVAL || r == -ERANGE)) {
		up = openat(d->fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (up >= 0 && fileio_read_at(up, w->file, &allowed, NULL) == 0) {
			allowed[strcspn(allowed, "\n")] = '\0';
			log_error("cgroup.%s: \"%s\" is not within what the host allows (%s)", key,
				  value, allowed);
			return;
		}
	}
	log_error_errno(r, "cgroup.%s: cannot write \"%s\" to %s/%s: %m", key, w->value, d->path,
			w->file);
}

/* Write one v2-vocabulary limit into the v1 hierarchies; logs naming the key. */
static int v1_set_limit(struct cgroup_set *cg, const char *key, const char *value)
{
	struct cgroup_v1_write w[CGROUP_V1_MAX_WRITES];
	struct cgroup_v1_dir *mem = find_dir(cg, CGROUP_V1_MEMORY);
	struct cgroup_v1_now now = {
		.mem_limit = read_mem(mem, "memory.limit_in_bytes"),
		.memsw_limit = read_mem(mem, "memory.memsw.limit_in_bytes"),
	};
	size_t n;
	int r;

	r = cgroup_v1_translate(key, value, &now, w, &n);
	if (r == -EDOM)
		return log_error_errno(
			-EINVAL,
			"cgroup.%s: cgroup v1 (this host) limits swap only together "
			"with memory (memsw = memory + swap): set cgroup.memory.max too",
			key);
	if (r == -EOPNOTSUPP)
		return log_error_errno(r, "cgroup.%s: not a cgroup limit sysc knows", key);
	if (r < 0)
		return log_error_errno(r, "cgroup.%s: invalid value \"%s\"", key, value);
	r = check_writes(cg, key, w, n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		struct cgroup_v1_dir *d = find_dir(cg, w[i].ctrl);

		r = cgroup_write_at(d->fd, w[i].file, w[i].value);
		if (r < 0) {
			log_write_error(d, key, value, &w[i], r);
			return r;
		}
	}
	return 0;
}

static int read_trimmed(struct cgroup_v1_dir *d, const char *file, char **ret)
{
	char *s = NULL;
	int r = fileio_read_at(d->fd, file, &s, NULL);

	if (r < 0)
		return r;
	s[strcspn(s, "\n")] = '\0';
	*ret = s;
	return 0;
}

static char *fmt_v2_bytes(uint64_t v)
{
	return v == UINT64_MAX ? strdup("max") : str_printf("%" PRIu64, v);
}

static int read_cpu_max(struct cgroup_v1_dir *d, char **ret)
{
	_cleanup_free_ char *q = NULL;
	uint64_t period;
	int r = read_trimmed(d, "cpu.cfs_quota_us", &q);

	if (r == 0)
		r = cgroup_read_u64_at(d->fd, "cpu.cfs_period_us", &period);
	if (r < 0)
		return r;
	*ret = str_printf("%s %" PRIu64, q[0] == '-' ? "max" : q, period);
	return *ret ? 0 : -ENOMEM;
}

/* io.max lines from the four blkio.throttle files. */
static int read_io_max(struct cgroup_v1_dir *d, char **ret)
{
	static const char *const files[] = {
		"blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device",
		"blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device"};
	static const char *const keys[] = {"rbps", "wbps", "riops", "wiops"};
	char devs[16][24], vals[16][4][24];
	size_t nd = 0;
	_cleanup_free_ char *out = strdup("");

	for (size_t f = 0; f < ARRAY_SIZE(files); f++) {
		_cleanup_free_ char *text = NULL;
		char *save = NULL;

		if (fileio_read_at(d->fd, files[f], &text, NULL) < 0)
			continue;
		for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			char dev[24], val[24];
			size_t i;

			if (sscanf(l, "%23s %23s", dev, val) != 2)
				continue;
			for (i = 0; i < nd && strcmp(devs[i], dev); i++)
				;
			if (i == nd && nd < ARRAY_SIZE(devs)) {
				snprintf(devs[nd], sizeof(devs[nd]), "%s", dev);
				for (size_t k = 0; k < 4; k++)
					snprintf(vals[nd][k], sizeof(vals[nd][k]), "max");
				nd++;
			}
			if (i < nd)
				snprintf(vals[i][f], sizeof(vals[i][f]), "%s", val);
		}
	}
	for (size_t i = 0; i < nd && out; i++) {
		char *n = str_printf("%s%s%s %s=%s %s=%s %s=%s %s=%s", out, i ? "\n" : "", devs[i],
				     keys[0], vals[i][0], keys[1], vals[i][1], keys[2], vals[i][2],
				     keys[3], vals[i][3]);
		free(out);
		out = n;
	}
	if (!out)
		return -ENOMEM;
	*ret = TAKE_PTR(out);
	return 0;
}

static int read_io_weight(struct cgroup_v1_dir *d, char **ret)
{
	_cleanup_free_ char *s = NULL;
	uint64_t w;

	if (read_trimmed(d, "blkio.weight", &s) < 0 && read_trimmed(d, "blkio.bfq.weight", &s) < 0)
		return -ENOENT;
	if (cgroup_parse_u64(s, &w) < 0)
		return -EINVAL;
	*ret = str_printf("default %" PRIu64, cgroup_blkio_to_weight(w));
	return *ret ? 0 : -ENOMEM;
}

static int read_memory(struct cgroup_v1_dir *d, const char *key, char **ret)
{
	uint64_t mem = read_mem(d, "memory.limit_in_bytes"), memsw;

	if (!strcmp(key, "memory.max")) {
		*ret = fmt_v2_bytes(mem);
	} else if (!strcmp(key, "memory.high")) {
		*ret = fmt_v2_bytes(read_mem(d, "memory.soft_limit_in_bytes"));
	} else {
		if (faccessat(d->fd, "memory.memsw.limit_in_bytes", F_OK, 0) < 0)
			return -ENOENT;
		memsw = read_mem(d, "memory.memsw.limit_in_bytes");
		*ret = fmt_v2_bytes(memsw == UINT64_MAX || mem == UINT64_MAX ? UINT64_MAX
									     : memsw - mem);
	}
	return *ret ? 0 : -ENOMEM;
}

/* The v1 value of a v2 limit, read back from the v1 files (the inverse of
 * cgroup_v1_translate), as text in v2 syntax. -ENOENT: no such controller. */
static int v1_get_limit(struct cgroup_set *cg, const char *key, char **ret)
{
	struct cgroup_v1_dir *d;
	uint64_t v;
	int r;

	if (str_startswith(key, "memory."))
		return (d = find_dir(cg, CGROUP_V1_MEMORY)) ? read_memory(d, key, ret) : -ENOENT;
	if (!strcmp(key, "cpu.max"))
		return (d = find_dir(cg, CGROUP_V1_CPU)) ? read_cpu_max(d, ret) : -ENOENT;
	if (!strcmp(key, "cpu.weight")) {
		d = find_dir(cg, CGROUP_V1_CPU);
		r = d ? cgroup_read_u64_at(d->fd, "cpu.shares", &v) : -ENOENT;
		if (r < 0)
			return r;
		*ret = str_printf("%" PRIu64, cgroup_shares_to_weight(v));
		return *ret ? 0 : -ENOMEM;
	}
	if (str_startswith(key, "cpuset."))
		return (d = find_dir(cg, CGROUP_V1_CPUSET)) ? read_trimmed(d, key, ret) : -ENOENT;
	if (!strcmp(key, "pids.max"))
		return (d = find_dir(cg, CGROUP_V1_PIDS)) ? read_trimmed(d, key, ret) : -ENOENT;
	if (!strcmp(key, "io.max"))
		return (d = find_dir(cg, CGROUP_V1_BLKIO)) ? read_io_max(d, ret) : -ENOENT;
	if (!strcmp(key, "io.weight"))
		return (d = find_dir(cg, CGROUP_V1_BLKIO)) ? read_io_weight(d, ret) : -ENOENT;
	return -EOPNOTSUPP;
}

/* Every limit key: the translation names the controller or file the host lacks. */
static bool v1_has_limit(struct cgroup_set *cg, const char *key)
{
	return cg->n_v1 > 0;
}

static void v1_close(struct cgroup_set *cg)
{
	for (size_t i = 0; i < cg->n_v1; i++) {
		CLOSE_FD(cg->v1[i].fd);
		CLOSE_FD(cg->v1[i].tasks_fd);
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
	.frozen = v1_frozen,
	.kill = v1_kill,
	.remove = v1_remove,
	.stats = v1_stats,
	.has_limit = v1_has_limit,
	.set_limit = v1_set_limit,
	.get_limit = v1_get_limit,
	.close = v1_close,
};

/* The v1 devices controller: deny everything, then allow each rule. Must run
 * before the cgroup has children ("a" is refused then). */
int cgroup_v1_devices_set(struct cgroup_set *cg, char *const *allow)
{
	struct cgroup_v1_dir *d = find_dir(cg, CGROUP_V1_DEVICES);
	int r;

	if (!d)
		return -ENOENT;
	r = cgroup_write_at(d->fd, "devices.deny", "a");
	if (r < 0)
		return log_error_errno(r, "cannot write \"a\" to %s/devices.deny: %m", d->path);
	for (size_t i = 0; allow && allow[i]; i++) {
		r = cgroup_write_at(d->fd, "devices.allow", allow[i]);
		if (r < 0)
			return log_error_errno(r, "cannot write \"%s\" to %s/devices.allow: %m",
					       allow[i], d->path);
	}
	return 0;
}

int cgroup_v1_delegate(struct cgroup_set *cg, uid_t uid, gid_t gid)
{
	static const char *const files[] = {"cgroup.procs", "tasks", "cgroup.clone_children"};

	for (size_t i = 0; i < cg->n_v1; i++) {
		struct cgroup_v1_dir *d = &cg->v1[i];
		if (d->fd < 0)
			continue;
		if (fchownat(d->fd, "", uid, gid, AT_EMPTY_PATH) < 0)
			return log_error_errno(-errno, "cannot delegate cgroup %s to uid %u: %m",
					       d->path, uid);
		for (size_t k = 0; k < ARRAY_SIZE(files); k++)
			if (fchownat(d->fd, files[k], uid, gid, 0) < 0 && errno != ENOENT)
				return log_error_errno(-errno,
						       "cannot delegate %s/%s to uid %u: %m",
						       d->path, files[k], uid);
	}
	return 0;
}

char **cgroup_v1_mount_list(void)
{
	const struct cgroup_v1_mount *m;
	_cleanup_strv_ char **v = NULL;
	size_t n;

	m = cgroup_host_v1_mounts(&n);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *opts = NULL, *e = NULL;
		const char *base =
			strrchr(m[i].path, '/') ? strrchr(m[i].path, '/') + 1 : m[i].path;
		for (unsigned bit = 1; bit && bit <= m[i].mask; bit <<= 1) {
			if (!(m[i].mask & bit))
				continue;
			char *o = str_printf("%s%s%s", opts ? opts : "", opts ? "," : "",
					     cgroup_v1_controller_name(bit));
			if (!o)
				return NULL;
			free(opts);
			opts = o;
		}
		e = str_printf("%s %s", base, opts ? opts : "");
		if (!e || strv_push(&v, e) < 0)
			return NULL;
	}
	if (!v && !(v = calloc(1, sizeof(char *))))
		return NULL;
	return TAKE_PTR(v);
}
