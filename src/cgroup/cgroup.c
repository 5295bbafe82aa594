/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The cgroup facade: the container's cgroup_set and every public operation
 * on it, run over the backends of the host (host.c): the v2 one always, the
 * v1 one on hybrid hosts. The backends share the cgroupfs helpers
 * (cgroupfs.c); the facade never asks which backend it holds.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "cgroup/cgroup-internal.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/monotonic.h"
#include "util/strv.h"

#include <inttypes.h>
#include <stdio.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CGROUP_DESTROY_KILL_MS 5000

/* ---- the container's cgroup path ---- */

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

/* ---- the facade ---- */

static int set_new(const char *parent, const char *name, struct cgroup_set **ret)
{
	_cleanup_(cgroup_set_freep) struct cgroup_set *cg = NULL;
	enum cgroup_mode mode = cgroup_host_mode();
	size_t n_v1 = 0;
	int r;

	if (mode == CGROUP_MODE_NONE)
		return log_error_errno(-EOPNOTSUPP, "no cgroup v2 hierarchy at %s or %s",
				       CGROUP_FS_ROOT, CGROUP_HYBRID_ROOT);
	cg = calloc(1, sizeof(*cg));
	if (!cg)
		return -ENOMEM;
	cg->v2_fd = -EBADF;
	cg->mode = mode;
	/* parent NULL: at the top of the hierarchy (an OCI cgroupsPath "/name") */
	r = cgroup_build_relpath(parent ? parent : "top", name, &cg->parent, &cg->relpath);
	if (r == 0 && !parent) {
		free(cg->parent);
		free(cg->relpath);
		cg->parent = strdup("");
		cg->relpath = str_printf("/%s", name);
		if (!cg->parent || !cg->relpath)
			return -ENOMEM;
	}
	if (r < 0)
		return log_error_errno(r, "invalid cgroup name '%s/%s'", parent ? parent : "",
				       name ? name : "");
	cg->name = strdup(name);
	cg->v2_path = str_printf("%s%s", cgroup_host_v2_root(), cg->relpath);
	if (!cg->name || !cg->v2_path)
		return -ENOMEM;
	cg->ops[cg->n_ops++] = &cgroup_v2_ops;
	(void)cgroup_host_v1_mounts(&n_v1);
	if (mode == CGROUP_MODE_HYBRID && n_v1 > 0)
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
		if (cg->ops[i]->by_clone)
			continue;
		int r = cg->ops[i]->attach(cg, pid);
		if (r < 0)
			return r;
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
	int64_t deadline = monotonic_ms() + timeout_ms;
	unsigned delay = 1;

	for (;;) {
		if (!cgroup_populated(cg))
			return 0;
		/* repeated: forks that raced the previous round are caught now */
		for (size_t i = 0; i < cg->n_ops; i++)
			(void)cg->ops[i]->kill(cg);
		if (monotonic_ms() >= deadline)
			break;
		cgroup_sleep_ms(delay);
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

/* ---- limits: the first backend that takes the key ---- */

static const char *controller_of(const char *key)
{
	if (str_startswith(key, "memory."))
		return "memory";
	if (str_startswith(key, "cpuset."))
		return "cpuset";
	if (str_startswith(key, "cpu."))
		return "cpu";
	if (str_startswith(key, "pids."))
		return "pids";
	return "io";
}

static const struct cgroup_ops *limit_ops(struct cgroup_set *cg, const char *key)
{
	for (size_t i = 0; i < cg->n_ops; i++)
		if (cg->ops[i]->has_limit(cg, key))
			return cg->ops[i];
	return NULL;
}

int cgroup_set_limit(struct cgroup_set *cg, const char *key, const char *value)
{
	const struct cgroup_ops *ops;

	if (!cgroup_limit_key_known(key))
		return log_error_errno(-EINVAL, "cgroup.%s: not a cgroup limit", key);
	ops = limit_ops(cg, key);
	if (ops)
		return ops->set_limit(cg, key, value);
	return log_error_errno(-EOPNOTSUPP,
			       "cgroup.%s: the host has no %s controller for the container (no "
			       "%s in %s)",
			       key, controller_of(key), key, cg->v2_path);
}

int cgroup_get_limit(struct cgroup_set *cg, const char *key, char **ret)
{
	const struct cgroup_ops *ops;
	int r;

	if (!cgroup_limit_key_known(key))
		return log_error_errno(-EINVAL, "cgroup.%s: not a cgroup limit", key);
	ops = limit_ops(cg, key);
	r = ops ? ops->get_limit(cg, key, ret) : -ENOENT;
	if (r == -ENOENT)
		return log_error_errno(-EOPNOTSUPP, "cgroup.%s: the host has no %s controller", key,
				       controller_of(key));
	if (r < 0)
		return log_error_errno(r, "cgroup.%s: cannot read it for %s: %m", key, cg->name);
	return 0;
}

/* The limits of c, in their order; only those of key unless NULL. */
static int apply_limits(struct cgroup_set *cg, const struct conf_cgroup *c, const char *key)
{
	struct cgroup_limit *l = NULL;
	size_t n = 0;
	int r = cgroup_limits_from_conf(c, &l, &n);

	for (size_t i = 0; r == 0 && i < n; i++) {
		if (key && strcmp(l[i].key, key) != 0)
			continue;
		log_debug("cgroup %s: %s = %s", cg->relpath, l[i].key, l[i].value);
		r = cgroup_set_limit(cg, l[i].key, l[i].value);
	}
	cgroup_limits_free(l, n);
	return r;
}

int cgroup_apply_limits(struct cgroup_set *cg, const struct conf_cgroup *c)
{
	return apply_limits(cg, c, NULL);
}

int cgroup_apply_limit(struct cgroup_set *cg, const struct conf_cgroup *c, const char *key)
{
	return apply_limits(cg, c, key);
}

int cgroup_set_cpu_shares(struct cgroup_set *cg, uint64_t shares)
{
	char v[32];
	int r;

	for (size_t i = 0; i < cg->n_v1; i++) {
		struct cgroup_v1_dir *d = &cg->v1[i];

		if (!(d->mask & CGROUP_V1_CPU) || d->fd < 0)
			continue;
		snprintf(v, sizeof(v), "%" PRIu64, shares);
		r = cgroup_write_at(d->fd, "cpu.shares", v);
		if (r < 0)
			return log_error_errno(r, "cannot write \"%s\" to %s/cpu.shares: %m", v,
					       d->path);
		return 0;
	}
	snprintf(v, sizeof(v), "%" PRIu64, cgroup_shares_to_weight(shares));
	return cgroup_set_limit(cg, "cpu.weight", v);
}

struct pid_list {
	pid_t *pids;
	size_t n;
};

static int add_pid(pid_t pid, void *ud)
{
	struct pid_list *l = ud;
	pid_t *p = realloc(l->pids, (l->n + 1) * sizeof(*p));

	if (!p)
		return -ENOMEM;
	l->pids = p;
	l->pids[l->n++] = pid;
	return 0;
}

int cgroup_pids(struct cgroup_set *cg, pid_t **ret, size_t *ret_n)
{
	struct pid_list l = {0};
	int r = cgroup_walk_procs(cg->v2_fd, add_pid, &l);

	if (r < 0) {
		free(l.pids);
		return log_error_errno(r, "cannot list the processes of %s: %m", cg->v2_path);
	}
	*ret = l.pids;
	*ret_n = l.n;
	return 0;
}
