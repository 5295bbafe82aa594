/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Resource limits of a container's cgroups, in cgroup v2 vocabulary: the
 * limit keys, and the config's values (struct conf_cgroup, validated by
 * src/config) made into v2 file contents, device paths resolved. The facade
 * (cgroup.c) hands each to the first backend that takes it: the v2 cgroup
 * when it has the file (pure v2 hosts), else the v1 translation of a hybrid
 * host (cgroup1.c). A key the host cannot honour is an error naming the key.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "cgroup/cgroup-internal.h"
#include "config/config.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strv.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

static const char *const limit_keys[] = {
	"cpuset.cpus", "cpuset.mems", "memory.max", "memory.high", "memory.swap.max",
	"cpu.max",     "cpu.weight",  "pids.max",   "io.weight",   "io.max",
};

bool cgroup_limit_key_known(const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(limit_keys); i++)
		if (!strcmp(limit_keys[i], key))
			return true;
	return false;
}

static const char *static_key(const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(limit_keys); i++)
		if (!strcmp(limit_keys[i], key))
			return limit_keys[i];
	return NULL;
}

void cgroup_limits_free(struct cgroup_limit *l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(l[i].value);
	free(l);
}

struct limits {
	struct cgroup_limit *l;
	size_t n;
};

static int push(struct limits *ls, const char *key, char *value)
{
	struct cgroup_limit *n;

	if (!value)
		return -ENOMEM;
	n = realloc(ls->l, (ls->n + 1) * sizeof(*n));
	if (!n) {
		free(value);
		return -ENOMEM;
	}
	ls->l = n;
	ls->l[ls->n++] = (struct cgroup_limit){.key = static_key(key), .value = value};
	return 0;
}

static char *fmt_u64(uint64_t v)
{
	return v == CONF_UNLIMITED ? strdup("max") : str_printf("%" PRIu64, v);
}

/* "/dev/sda" -> "8:0"; logs naming the key. */
static int resolve_dev(const char *key, const char *path, size_t len, char *buf, size_t buflen)
{
	_cleanup_free_ char *p = strndup(path, len);
	struct stat st;

	if (!p)
		return -ENOMEM;
	if (stat(p, &st) < 0)
		return log_error_errno(-errno, "cgroup.%s: %s: %m", key, p);
	if (!S_ISBLK(st.st_mode))
		return log_error_errno(-ENOTBLK, "cgroup.%s: %s is not a block device", key, p);
	snprintf(buf, buflen, "%u:%u", major(st.st_rdev), minor(st.st_rdev));
	return 0;
}

/* "/dev/sda rbps=10M wiops=1000" -> "8:0 rbps=10485760 wiops=1000". */
static int io_max_line(const char *line, char **ret)
{
	_cleanup_free_ char *copy = strdup(line), *out = NULL;
	char dev[32], *save = NULL, *tok;
	int r;

	if (!copy)
		return -ENOMEM;
	tok = strtok_r(copy, " \t", &save);
	if (!tok)
		return -EINVAL;
	r = resolve_dev("io.max", tok, strlen(tok), dev, sizeof(dev));
	if (r < 0)
		return r;
	out = strdup(dev);
	while (out && (tok = strtok_r(NULL, " \t", &save))) {
		char *eq = strchr(tok, '='), *n;
		uint64_t v;

		if (!eq || conf_parse_size(eq + 1, &v) < 0)
			return log_error_errno(-EINVAL, "cgroup.io.max: invalid \"%s\"", tok);
		*eq = '\0';
		n = v == CONF_UNLIMITED ? str_printf("%s %s=max", out, tok)
					: str_printf("%s %s=%" PRIu64, out, tok, v);
		free(out);
		out = n;
	}
	if (!out)
		return -ENOMEM;
	*ret = TAKE_PTR(out);
	return 0;
}

/* "default 100" stays; "/dev/sda 200" -> "8:0 200". */
static int io_weight_line(const char *line, char **ret)
{
	size_t len = strcspn(line, " \t");
	char dev[32];
	int r;

	if (!strncmp(line, "default", len) && len == 7) {
		*ret = strdup(line);
		return *ret ? 0 : -ENOMEM;
	}
	r = resolve_dev("io.weight", line, len, dev, sizeof(dev));
	if (r < 0)
		return r;
	*ret = str_printf("%s %s", dev, line + len + strspn(line + len, " \t"));
	return *ret ? 0 : -ENOMEM;
}

static int add_strv(struct limits *ls, const char *key, char *const *lines,
		    int (*conv)(const char *, char **))
{
	for (size_t i = 0; lines && lines[i]; i++) {
		char *v = NULL;
		int r = conv(lines[i], &v);

		if (r < 0)
			return r;
		r = push(ls, key, v);
		if (r < 0)
			return r;
	}
	return 0;
}

static int add_u64(struct limits *ls, const char *key, uint64_t v)
{
	return v == CONF_UNSET ? 0 : push(ls, key, fmt_u64(v));
}

int cgroup_limits_from_conf(const struct conf_cgroup *c, struct cgroup_limit **ret, size_t *ret_n)
{
	struct limits ls = {0};
	int r = 0;

	if (c->cpuset_cpus)
		r = push(&ls, "cpuset.cpus", strdup(c->cpuset_cpus));
	if (r == 0 && c->cpuset_mems)
		r = push(&ls, "cpuset.mems", strdup(c->cpuset_mems));
	r = r ?: add_u64(&ls, "memory.max", c->memory_max);
	r = r ?: add_u64(&ls, "memory.high", c->memory_high);
	r = r ?: add_u64(&ls, "memory.swap.max", c->memory_swap_max);
	if (r == 0 && c->cpu_max_quota != CONF_UNSET)
		r = push(&ls, "cpu.max",
			 c->cpu_max_quota == CONF_UNLIMITED
				 ? str_printf("max %" PRIu64, c->cpu_max_period)
				 : str_printf("%" PRIu64 " %" PRIu64, c->cpu_max_quota,
					      c->cpu_max_period));
	r = r ?: add_u64(&ls, "cpu.weight", c->cpu_weight);
	r = r ?: add_u64(&ls, "pids.max", c->pids_max);
	r = r ?: add_strv(&ls, "io.weight", c->io_weight, io_weight_line);
	r = r ?: add_strv(&ls, "io.max", c->io_max, io_max_line);
	if (r < 0) {
		cgroup_limits_free(ls.l, ls.n);
		return r;
	}
	*ret = ls.l;
	*ret_n = ls.n;
	return 0;
}
