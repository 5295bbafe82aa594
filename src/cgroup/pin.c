/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CPU pinning (resources.cpu_pinning = "auto"), as Incus's limits.cpu = N:
 * nproc and sched_getaffinity count the CPUs of the affinity mask, which a
 * cpu.max quota does not change, so a container with a quota and no
 * cpuset.cpus of its own is pinned to ceil(QUOTA / PERIOD) CPUs of its
 * parent cgroup. The CPUs chosen are those least used by the cpusets of
 * its siblings (the other running containers under the same parent: a
 * count, not a reservation), ties going to the lowest number. Written as
 * the limit "cpuset.cpus", so the facade picks the backend: the cpuset
 * controller on pure v2, the v1 cpuset hierarchy on hybrid hosts (whose
 * cpuset.mems cgroup1.c copied from the parent at create).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "cgroup/cgroup-internal.h"
#include "config/config.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/strv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cgroup_cpulist_parse(const char *s, bool set[CGROUP_PIN_MAX_CPUS])
{
	memset(set, 0, CGROUP_PIN_MAX_CPUS * sizeof(bool));
	while (*s && *s != '\n') {
		char *end;
		unsigned long a = strtoul(s, &end, 10), b = a;

		if (end == s)
			return -EINVAL;
		if (*end == '-') {
			s = end + 1;
			b = strtoul(s, &end, 10);
			if (end == s)
				return -EINVAL;
		}
		if (b < a || b >= CGROUP_PIN_MAX_CPUS)
			return -ERANGE;
		for (unsigned long i = a; i <= b; i++)
			set[i] = true;
		s = end;
		if (*s == ',')
			s++;
		else if (*s && *s != '\n')
			return -EINVAL;
	}
	return 0;
}

char *cgroup_cpulist_format(const bool set[CGROUP_PIN_MAX_CPUS])
{
	_cleanup_free_ char *out = strdup("");

	for (unsigned i = 0; out && i < CGROUP_PIN_MAX_CPUS; i++) {
		unsigned j = i;
		char *n;

		if (!set[i])
			continue;
		while (j + 1 < CGROUP_PIN_MAX_CPUS && set[j + 1])
			j++;
		n = j == i ? str_printf("%s%s%u", out, *out ? "," : "", i)
			   : str_printf("%s%s%u-%u", out, *out ? "," : "", i, j);
		free(out);
		out = n;
		i = j;
	}
	return TAKE_PTR(out);
}

int cgroup_pin_choose(const bool allowed[CGROUP_PIN_MAX_CPUS],
		      const unsigned load[CGROUP_PIN_MAX_CPUS], unsigned n, char **ret)
{
	_cleanup_free_ bool *pick = calloc(CGROUP_PIN_MAX_CPUS, sizeof(bool));

	if (!pick)
		return -ENOMEM;
	for (unsigned k = 0; k < n; k++) {
		int best = -1;

		for (unsigned i = 0; i < CGROUP_PIN_MAX_CPUS; i++)
			if (allowed[i] && !pick[i] && (best < 0 || load[i] < load[best]))
				best = (int)i;
		if (best < 0)
			break; /* n is more than allowed has: all of them */
		pick[best] = true;
	}
	*ret = cgroup_cpulist_format(pick);
	return *ret ? 0 : -ENOMEM;
}

/* The O_PATH fd of the container's cgroup that carries cpuset: the v2 one
 * when it has the controller, else the v1 cpuset hierarchy's. */
static int cpuset_fd(struct cgroup_set *cg)
{
	if (cg->v2_fd >= 0 && faccessat(cg->v2_fd, "cpuset.cpus", F_OK, 0) == 0)
		return cg->v2_fd;
	for (size_t i = 0; i < cg->n_v1; i++)
		if ((cg->v1[i].mask & CGROUP_V1_CPUSET) && cg->v1[i].fd >= 0)
			return cg->v1[i].fd;
	return -ENOENT;
}

/* The CPUs a cgroup has: cpuset.cpus.effective (v2), cpuset.effective_cpus (v1). */
static int read_effective(int dirfd, bool set[CGROUP_PIN_MAX_CPUS])
{
	_cleanup_free_ char *s = NULL;
	int r = fileio_read_at(dirfd, "cpuset.cpus.effective", &s, NULL);

	if (r == -ENOENT)
		r = fileio_read_at(dirfd, "cpuset.effective_cpus", &s, NULL);
	return r < 0 ? r : cgroup_cpulist_parse(s, set);
}

/* Add to load the CPUs of every sibling cgroup of the container's (not its own). */
static int count_siblings(int parentfd, const char *self, unsigned load[CGROUP_PIN_MAX_CPUS])
{
	_cleanup_free_ bool *set = calloc(CGROUP_PIN_MAX_CPUS, sizeof(bool));
	int fd = openat(parentfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	DIR *d;

	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while (set && (de = readdir(d))) {
		_cleanup_close_ int sib = -EBADF;

		if (de->d_type != DT_DIR || de->d_name[0] == '.' || !strcmp(de->d_name, self))
			continue;
		sib = openat(parentfd, de->d_name, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (sib < 0 || read_effective(sib, set) < 0)
			continue; /* gone meanwhile, or not a cpuset cgroup */
		for (unsigned i = 0; i < CGROUP_PIN_MAX_CPUS; i++)
			load[i] += set[i];
	}
	closedir(d);
	return set ? 0 : -ENOMEM;
}

int cgroup_pin_cpus(struct cgroup_set *cg, unsigned n)
{
	_cleanup_free_ bool *allowed = calloc(CGROUP_PIN_MAX_CPUS, sizeof(bool));
	_cleanup_free_ unsigned *load = calloc(CGROUP_PIN_MAX_CPUS, sizeof(unsigned));
	_cleanup_free_ char *list = NULL;
	_cleanup_close_ int up = -EBADF;
	int fd = cpuset_fd(cg), r;

	if (!allowed || !load)
		return -ENOMEM;
	if (fd < 0) {
		/* "auto" pins where it can: without a cpuset the quota stays as it was */
		log_warn("resources.cpu_pinning: the host has no cpuset controller for %s, "
			 "not pinned",
			 cg->name);
		return 0;
	}
	up = openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (up < 0)
		return log_error_errno(-errno,
				       "resources.cpu_pinning: cannot open the parent of %s: %m",
				       cg->relpath);
	r = read_effective(up, allowed);
	if (r < 0)
		return log_error_errno(
			r, "resources.cpu_pinning: cannot read the CPUs of the parent of %s: %m",
			cg->relpath);
	if (n > 0) {
		r = count_siblings(up, cg->name, load);
		if (r < 0)
			return log_error_errno(
				r,
				"resources.cpu_pinning: cannot count the CPUs of the "
				"containers beside %s: %m",
				cg->relpath);
	} else {
		n = CGROUP_PIN_MAX_CPUS; /* no quota: every CPU */
	}
	r = cgroup_pin_choose(allowed, load, n, &list);
	if (r < 0)
		return r;
	log_debug("cgroup %s: pinned to CPUs %s", cg->relpath, list);
	return cgroup_set_limit(cg, "cpuset.cpus", list);
}

unsigned cgroup_pin_count(const struct conf_cgroup *c)
{
	uint64_t n;

	if (c->cpu_max_quota == CONF_UNSET || c->cpu_max_quota == CONF_UNLIMITED ||
	    c->cpu_max_period == 0)
		return 0;
	n = (c->cpu_max_quota + c->cpu_max_period - 1) / c->cpu_max_period;
	return n >= CGROUP_PIN_MAX_CPUS ? CGROUP_PIN_MAX_CPUS : (unsigned)n;
}

int cgroup_apply_cpu_pinning(struct cgroup_set *cg, const struct conf_cgroup *c,
			     const char *pinning, bool live)
{
	unsigned n = cgroup_pin_count(c);

	if ((pinning && !strcmp(pinning, "off")) || c->cpuset_cpus)
		return 0;
	if (n == 0 && !live)
		return 0; /* a new cgroup has its parent's CPUs already */
	return cgroup_pin_cpus(cg, n);
}
