/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/idmap.h"
#include "config/config.h"
#include "lib/facts.h"
#include "lib/lock.h"
#include "lib/paths.h"
#include "userns/shift.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/monotonic.h"
#include "util/strv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* The ids this user namespace maps (both uid_map and gid_map, their first
 * lines), above its own first IDMAP_BLOCK ids (the namespace's own users):
 * sysc inside a nesting container allocates there. 0 and *ret set when we
 * are in a user namespace other than the initial one, 1 when not. */
static int pool_nested(struct range *ret)
{
	static const char *const files[] = {"/proc/self/uid_map", "/proc/self/gid_map"};
	uint64_t lo = IDMAP_BLOCK, hi = UINT64_MAX;

	for (size_t i = 0; i < 2; i++) {
		_cleanup_fclose_ FILE *f = fopen(files[i], "re");
		unsigned long long in, out, count;
		if (!f)
			return log_error_errno(-errno, "cannot read %s: %m", files[i]);
		if (fscanf(f, "%llu %llu %llu", &in, &out, &count) != 3)
			return log_error_errno(-EINVAL, "cannot parse %s", files[i]);
		if (in == 0 && out == 0 && count == 4294967295ull)
			return 1; /* the initial user namespace */
		if (in > lo)
			lo = in;
		if (in + count < hi)
			hi = in + count;
	}
	if (hi < lo + IDMAP_BLOCK) {
		log_error("this user namespace maps no %u ids of its own above %u to give a "
			  "container (its uid_map and gid_map; security.nesting of the container "
			  "sysc runs in gives it room)",
			  IDMAP_BLOCK, IDMAP_BLOCK - 1);
		return -ERANGE;
	}
	*ret = (struct range){lo, hi - lo};
	return 0;
}

/* The pool ids come from: root's uid range intersected with its gid range;
 * without one, the ids our user namespace maps when it is not the initial
 * one (sysc inside a container), else 1000000-1999999999. */
static int pool(struct range *ret)
{
	struct range u, g;
	int ru = read_subid("/etc/subuid", &u), rg = read_subid("/etc/subgid", &g);

	if (ru < 0 || rg < 0)
		return ru < 0 ? ru : rg;
	if (ru == 0 || rg == 0) {
		int r = pool_nested(ret);
		if (r <= 0)
			return r;
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

/* Whether [s, s + count) meets a range another user than root has in
 * /etc/subuid or /etc/subgid (their rootless containers use those ids). */
static bool overlaps_subid(uint64_t s, uint64_t count)
{
	static const char *const files[] = {"/etc/subuid", "/etc/subgid"};

	for (size_t i = 0; i < 2; i++) {
		_cleanup_fclose_ FILE *f = fopen(files[i], "re");
		char line[256];
		while (f && fgets(line, sizeof(line), f)) {
			char who[64];
			unsigned long long a, c;
			if (sscanf(line, "%63[^:]:%llu:%llu", who, &a, &c) != 3 ||
			    strcmp(who, "root") == 0 || strcmp(who, "0") == 0)
				continue;
			if (s < a + c && a < s + count)
				return true;
		}
	}
	return false;
}

/*
 * The host-wide registry, <state>/idmap (paths.h), one line per range:
 *
 *   START COUNT STOREID UUID NAME STOREPATH
 *
 * Every store's ranges are there, so a store never hands out a range
 * another store's container has. Under the lock <state>/idmap.lock, a store
 * brings its own lines up to date from its configs (creates in progress
 * included) before it allocates; a start registers its container's range
 * if it is missing (containers made before the registry existed); destroy
 * removes its lines. Lines of other stores are kept as they are.
 */
#define REGISTRY "idmap"

struct reg_line {
	uint64_t start, count;
	char store[16];
	char uuid[64];
	char *text; /* the whole line, without newline */
};

struct registry {
	struct reg_line *v;
	size_t n;
};

static void registry_done(struct registry *g)
{
	for (size_t i = 0; i < g->n; i++)
		free(g->v[i].text);
	free(g->v);
	*g = (struct registry){0};
}

static int registry_add(struct registry *g, uint64_t start, uint64_t count, const char *store,
			const char *uuid, const char *name, const char *path)
{
	struct reg_line *nv = realloc(g->v, (g->n + 1) * sizeof(*nv));
	struct reg_line *l;

	if (!nv)
		return -ENOMEM;
	g->v = nv;
	l = &g->v[g->n];
	*l = (struct reg_line){.start = start, .count = count};
	snprintf(l->store, sizeof(l->store), "%s", store);
	snprintf(l->uuid, sizeof(l->uuid), "%s", uuid && *uuid ? uuid : "-");
	l->text = str_printf("%llu %llu %s %s %s %s", (unsigned long long)start,
			     (unsigned long long)count, l->store, l->uuid, name, path);
	if (!l->text)
		return -ENOMEM;
	for (char *c = l->text; *c; c++)
		if (*c == '\n')
			*c = '?'; /* the path is only for people reading the file */
	g->n++;
	return 0;
}

static int registry_read(const struct sysc_paths *p, struct registry *ret)
{
	_cleanup_free_ char *path = str_printf("%s/" REGISTRY, p->state), *data = NULL;
	char *save = NULL;
	int r;

	*ret = (struct registry){0};
	if (!path)
		return -ENOMEM;
	r = fileio_read_at(AT_FDCWD, path, &data, NULL);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return log_error_errno(r, "cannot read %s: %m", path);
	for (char *l = strtok_r(data, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		unsigned long long s, c;
		char store[16], uuid[64];
		struct reg_line *nv;
		if (l[0] == '#' || sscanf(l, "%llu %llu %15s %63s", &s, &c, store, uuid) != 4)
			continue;
		nv = realloc(ret->v, (ret->n + 1) * sizeof(*nv));
		if (!nv)
			return registry_done(ret), -ENOMEM;
		ret->v = nv;
		ret->v[ret->n] = (struct reg_line){.start = s, .count = c, .text = strdup(l)};
		snprintf(ret->v[ret->n].store, sizeof(store), "%s", store);
		snprintf(ret->v[ret->n].uuid, sizeof(uuid), "%s", uuid);
		if (!ret->v[ret->n++].text)
			return registry_done(ret), -ENOMEM;
	}
	return 0;
}

static int registry_write(const struct sysc_paths *p, const struct registry *g)
{
	_cleanup_free_ char *path = str_printf("%s/" REGISTRY, p->state);
	_cleanup_free_ char *text = strdup("# START COUNT STOREID UUID NAME STOREPATH: host id "
					   "ranges of sysc's unprivileged containers\n");
	int r;

	if (!path || !text)
		return -ENOMEM;
	for (size_t i = 0; i < g->n; i++) {
		char *t = str_printf("%s%s\n", text, g->v[i].text);
		if (!t)
			return -ENOMEM;
		free(text);
		text = t;
	}
	r = fileio_write_atomic_at(AT_FDCWD, path, text, strlen(text), 0600);
	if (r < 0)
		return log_error_errno(r, "cannot write %s: %m", path);
	return 0;
}

/* Drop this store's lines (all of them, or those of uuid). */
static void registry_drop(struct registry *g, const char *store, const char *uuid)
{
	size_t k = 0;

	for (size_t i = 0; i < g->n; i++) {
		if (!strcmp(g->v[i].store, store) && (!uuid || !strcmp(g->v[i].uuid, uuid))) {
			free(g->v[i].text);
			continue;
		}
		g->v[k++] = g->v[i];
	}
	g->n = k;
}

static int registry_lock(const struct sysc_paths *p)
{
	_cleanup_free_ char *lockp = str_printf("%s/" REGISTRY ".lock", p->state);

	return lockp ? lock_path(lockp, "the id range allocation") : -ENOMEM;
}

/* This store's lines from its entries' configs (containers, and creates in
 * progress, whose configs are in hidden work dirs), besides cfg itself. */
static int registry_sync_store(const struct sysc_paths *p, const char *self, struct registry *g)
{
	_cleanup_closedir_ DIR *d = opendir(p->store);
	struct dirent *de;

	registry_drop(g, p->store_id, NULL);
	while (d && (de = readdir(d))) {
		_cleanup_free_ char *cfg = NULL;
		struct sysc_conf *c = NULL;
		int r = 0;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		cfg = str_printf("%s/%s/config", p->store, de->d_name);
		if (!cfg)
			return -ENOMEM;
		if (strcmp(cfg, self) == 0 || access(cfg, F_OK) < 0)
			continue;
		if (facts_load_conf(p, cfg, &c) < 0)
			continue; /* logged; an invalid config holds no range we can see */
		for (size_t k = 0; r == 0 && k < c->n_idmap; k++)
			r = registry_add(g, c->idmap[k].host, c->idmap[k].count, p->store_id,
					 c->uuid, c->name ? c->name : de->d_name, p->store_real);
		conf_free(c);
		if (r < 0)
			return r;
	}
	return 0;
}

static bool overlaps(uint64_t s, uint64_t count, const struct registry *g)
{
	for (size_t i = 0; i < g->n; i++)
		if (s < g->v[i].start + g->v[i].count && g->v[i].start < s + count)
			return true;
	return overlaps_subid(s, count);
}

static int allocate(const struct sysc_paths *p, const char *name, const struct registry *g,
		    uint64_t count, uint64_t *ret)
{
	struct range pl = {0, 0};
	int r = pool(&pl);

	if (r < 0)
		return r;
	for (uint64_t s = pl.start; s + count <= pl.start + pl.count; s += IDMAP_BLOCK)
		if (!overlaps(s, count, g)) {
			*ret = s;
			return 0;
		}
	log_error("no free range of %llu host ids left for %s in %llu-%llu",
		  (unsigned long long)count, name, (unsigned long long)pl.start,
		  (unsigned long long)(pl.start + pl.count - 1));
	return -ENOSPC;
}

/* A container with its ranges: registered already, or add them now. */
static int register_existing(const struct sysc_paths *p, const struct sysc_conf *c)
{
	_cleanup_(registry_done) struct registry g = {0};
	_cleanup_close_ int lock = registry_lock(p);
	int r;

	if (lock < 0)
		return lock;
	r = registry_read(p, &g);
	if (r < 0)
		return r;
	for (size_t i = 0; i < g.n; i++)
		if (!strcmp(g.v[i].store, p->store_id) && c->n_idmap &&
		    !strcmp(g.v[i].uuid, c->uuid ? c->uuid : "-") &&
		    g.v[i].start == c->idmap[0].host)
			return 0;
	registry_drop(&g, p->store_id, c->uuid ? c->uuid : "-");
	for (size_t k = 0; r == 0 && k < c->n_idmap; k++)
		r = registry_add(&g, c->idmap[k].host, c->idmap[k].count, p->store_id, c->uuid,
				 c->name, p->store_real);
	return r < 0 ? r : registry_write(p, &g);
}

int idmap_release(const struct sysc_paths *p, const char *uuid)
{
	_cleanup_(registry_done) struct registry g = {0};
	_cleanup_close_ int lock = -EBADF;
	size_t before;
	int r;

	if (!uuid)
		return 0;
	lock = registry_lock(p);
	if (lock < 0)
		return lock;
	r = registry_read(p, &g);
	if (r < 0)
		return r;
	before = g.n;
	registry_drop(&g, p->store_id, uuid);
	return g.n == before ? 0 : registry_write(p, &g);
}

int idmap_ensure_conf(const struct sysc_paths *p, const char *name, const char *cfg,
		      const struct sysc_conf *c)
{
	_cleanup_(registry_done) struct registry g = {0};
	_cleanup_free_ char *value = NULL, *uuid = NULL;
	_cleanup_close_ int lock = -EBADF;
	uint64_t start = 0;
	int r;

	uint64_t count = c->security.nesting ? IDMAP_NESTING : IDMAP_BLOCK;
	/* a range sysc gave before nesting was turned on is replaced by a
	 * bigger one (idmapped, the rootfs follows; shifted, it is shifted) */
	bool grow = !c->security.privileged && c->security.nesting && c->n_idmap == 1 &&
		    c->idmap[0].container == 0 && c->idmap[0].count < IDMAP_NESTING;
	bool needed = !c->security.privileged && (c->n_idmap == 0 || grow);
	if (!needed)
		return c->security.privileged ? 0 : register_existing(p, c);
	uuid = strdup(c->uuid ? c->uuid : "-");
	if (!uuid)
		return -ENOMEM;
	lock = registry_lock(p);
	if (lock < 0)
		return lock;
	r = registry_read(p, &g);
	if (r == 0)
		r = registry_sync_store(p, cfg, &g);
	if (r == 0)
		r = allocate(p, name, &g, count, &start);
	if (r == 0)
		r = registry_add(&g, start, count, p->store_id, uuid, name, p->store_real);
	/* registered before it is recorded in the config: a failure in between
	 * leaves a range blocked until this store's next allocation, never one
	 * handed out twice */
	if (r == 0)
		r = registry_write(p, &g);
	if (r < 0)
		return r;
	value = str_printf("( { container = 0; host = %llu; count = %llu; } )",
			   (unsigned long long)start, (unsigned long long)count);
	if (!value)
		return -ENOMEM;
	r = facts_set(p, cfg, "idmap", value);
	if (r < 0)
		return r;
	log_info("%s: container ids 0-%llu are host ids %llu-%llu", name,
		 (unsigned long long)count - 1, (unsigned long long)start,
		 (unsigned long long)(start + count - 1));
	return 1;
}

int idmap_ensure(const struct sysc_paths *p, const char *name, const char *cfg)
{
	_cleanup_(conf_freep) struct sysc_conf *c = NULL;
	int r = facts_load_conf(p, cfg, &c);

	if (r == 0)
		r = idmap_ensure_conf(p, name, cfg, c);
	return r < 0 ? r : 0;
}

int idmap_shift_rootfs(const struct sysc_paths *p, const struct sysc_conf *conf, char **on_disk,
		       int tree, const struct conf_idmap *to, size_t n_to)
{
	_cleanup_free_ struct conf_idmap *from = NULL;
	_cleanup_free_ char *what = str_printf("the rootfs of %s", conf->name);
	_cleanup_free_ char *text = userns_shift_format(to, n_to);
	size_t n_from = 0;
	int64_t t0, t1;
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
	t0 = monotonic_ms();
	n = userns_shift_tree(&s, tree, what);
	if (n < 0)
		return (int)n;
	t1 = monotonic_ms();
	r = facts_set(p, conf->file, "rootfs.shifted", text);
	if (r < 0)
		return log_error_errno(r, "%s: owners shifted, but cannot record it in %s: %m",
				       conf->name, conf->file);
	log_info("%s: %ld inodes shifted in %ld ms", conf->name, n, (long)(t1 - t0));
	free(*on_disk);
	*on_disk = TAKE_PTR(text);
	return 0;
}
