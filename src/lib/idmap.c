/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/idmap.h"
#include "config/config.h"
#include "lib/lock.h"
#include "lib/paths.h"
#include "userns/shift.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strv.h"

#include <dirent.h>
#include <errno.h>
#include <unistd.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_START 1000000u
#define DEFAULT_COUNT 1000000000u

struct range {
	uint64_t start, count;
};

/* root's first range in a subordinate id file; 0 if none */
static int read_subid(const char *file, struct range *ret)
{
	_cleanup_fclose_ FILE *f = fopen(file, "re");
	char line[256];

	if (!f)
		return errno == ENOENT ? 0 : log_error_errno(-errno, "cannot read %s: %m", file);
	while (fgets(line, sizeof(line), f)) {
		char who[64];
		unsigned long long s, c;
		if (sscanf(line, "%63[^:]:%llu:%llu", who, &s, &c) == 3 &&
		    (strcmp(who, "root") == 0 || strcmp(who, "0") == 0) && c >= IDMAP_BLOCK) {
			*ret = (struct range){s, c};
			return 1;
		}
	}
	return 0;
}

/* The pool ids come from: root's uid range intersected with its gid range. */
static int pool(struct range *ret)
{
	struct range u, g;
	int ru = read_subid("/etc/subuid", &u), rg = read_subid("/etc/subgid", &g);

	if (ru < 0 || rg < 0)
		return ru < 0 ? ru : rg;
	if (ru == 0 || rg == 0) {
		*ret = (struct range){DEFAULT_START, DEFAULT_COUNT};
		return 0;
	}
	ret->start = u.start > g.start ? u.start : g.start;
	uint64_t end =
		u.start + u.count < g.start + g.count ? u.start + u.count : g.start + g.count;
	if (end < ret->start + IDMAP_BLOCK) {
		log_error("the ranges of root in /etc/subuid and /etc/subgid have no %u ids in "
			  "common",
			  IDMAP_BLOCK);
		return -ERANGE;
	}
	ret->count = end - ret->start;
	return 0;
}

/* Ranges (host side) the store's entries use (containers, and creates in
 * progress, whose configs are in hidden work dirs), besides cfg itself. */
static int used_ranges(const struct sysc_paths *p, const char *self, struct range **ret,
		       size_t *ret_n)
{
	_cleanup_closedir_ DIR *d = opendir(p->store);
	struct range *v = NULL;
	struct dirent *de;
	size_t n = 0;

	while (d && (de = readdir(d))) {
		_cleanup_free_ char *cfg = NULL;
		struct sysc_conf *c = NULL;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		cfg = str_printf("%s/%s/config", p->store, de->d_name);
		if (!cfg)
			goto oom;
		if (strcmp(cfg, self) == 0 || access(cfg, F_OK) < 0)
			continue;
		if (conf_load(p->default_conf, cfg, &c) < 0)
			continue; /* logged; an invalid config holds no range we can see */
		for (size_t k = 0; k < c->n_idmap; k++) {
			struct range *nv = realloc(v, (n + 1) * sizeof(*v));
			if (!nv) {
				conf_free(c);
				goto oom;
			}
			v = nv;
			v[n++] = (struct range){c->idmap[k].host, c->idmap[k].count};
		}
		conf_free(c);
	}
	*ret = v;
	*ret_n = n;
	return 0;
oom:
	free(v);
	return -ENOMEM;
}

static bool overlaps(uint64_t s, const struct range *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s < v[i].start + v[i].count && v[i].start < s + IDMAP_BLOCK)
			return true;
	return false;
}

static int allocate(const struct sysc_paths *p, const char *name, const char *cfg, uint64_t *ret)
{
	_cleanup_free_ struct range *used = NULL;
	struct range pl = {0, 0};
	size_t n = 0;
	int r = pool(&pl);

	if (r == 0)
		r = used_ranges(p, cfg, &used, &n);
	if (r < 0)
		return r;
	for (uint64_t s = pl.start; s + IDMAP_BLOCK <= pl.start + pl.count; s += IDMAP_BLOCK)
		if (!overlaps(s, used, n)) {
			*ret = s;
			return 0;
		}
	log_error("no free range of %u host ids left for %s in %llu-%llu", IDMAP_BLOCK, name,
		  (unsigned long long)pl.start, (unsigned long long)(pl.start + pl.count - 1));
	return -ENOSPC;
}

int idmap_ensure(const struct sysc_paths *p, const char *name, const char *cfg)
{
	_cleanup_free_ char *lockp = str_printf("%s/locks/.idmap", p->run), *value = NULL;
	_cleanup_close_ int lock = -EBADF;
	struct sysc_conf *c = NULL;
	struct conf_edit *ed = NULL;
	uint64_t start;
	int r;

	if (!lockp)
		return -ENOMEM;
	r = conf_load(p->default_conf, cfg, &c);
	if (r < 0)
		return r;
	bool needed = !c->security.privileged && c->n_idmap == 0;
	conf_free(c);
	if (!needed)
		return 0;
	lock = lock_path(lockp, "the id range allocation");
	if (lock < 0)
		return lock;
	r = allocate(p, name, cfg, &start);
	if (r < 0)
		return r;
	value = str_printf("( { container = 0; host = %llu; count = %u; } )",
			   (unsigned long long)start, IDMAP_BLOCK);
	if (!value)
		return -ENOMEM;
	r = conf_edit_open(cfg, &ed);
	if (r == 0)
		r = conf_edit_set(ed, "idmap", value);
	if (r == 0)
		r = conf_edit_write(ed, p->default_conf, cfg);
	conf_edit_free(ed);
	if (r == 0)
		log_info("%s: container ids 0-%u are host ids %llu-%llu", name, IDMAP_BLOCK - 1,
			 (unsigned long long)start, (unsigned long long)(start + IDMAP_BLOCK - 1));
	return r;
}

int idmap_shift_rootfs(const struct sysc_paths *p, const struct sysc_conf *conf, char **on_disk,
		       int tree, const struct conf_idmap *to, size_t n_to)
{
	_cleanup_free_ struct conf_idmap *from = NULL;
	_cleanup_free_ char *what = str_printf("the rootfs of %s", conf->name);
	_cleanup_free_ char *text = userns_shift_format(to, n_to);
	struct conf_edit *ed = NULL;
	size_t n_from = 0;
	struct timespec t0, t1;
	long n;
	int r;

	if (!what || !text)
		return -ENOMEM;
	r = userns_shift_parse(*on_disk, &from, &n_from);
	if (r < 0)
		return log_error_errno(r, "%s: rootfs.shifted: invalid \"%s\"", conf->name,
				       *on_disk);
	struct userns_shift s = {.from = from, .n_from = n_from, .to = to, .n_to = n_to};
	r = userns_shift_check(&s, what);
	if (r <= 0)
		return r;
	log_info("%s: shifting the owners of its rootfs on disk from \"%s\" to \"%s\"%s",
		 conf->name, *on_disk, text,
		 n_to ? " (its filesystem has no idmapped mounts; done once)" : "");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	n = userns_shift_tree(&s, tree, what);
	if (n < 0)
		return (int)n;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	r = conf_edit_open(conf->file, &ed);
	if (r == 0)
		r = conf_edit_set(ed, "rootfs.shifted", text);
	if (r == 0)
		r = conf_edit_write(ed, p->default_conf, conf->file);
	conf_edit_free(ed);
	if (r < 0)
		return log_error_errno(r, "%s: owners shifted, but cannot record it in %s: %s",
				       conf->name, conf->file, strerror(-r));
	log_info("%s: %ld inodes shifted in %ld ms", conf->name, n,
		 (long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000));
	free(*on_disk);
	*on_disk = TAKE_PTR(text);
	return 0;
}
