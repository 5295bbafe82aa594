/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/import-trust.h"
#include "config/config.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FINDINGS 64

struct finding {
	const char *key; /* the --allow KEY that accepts it */
	char what[384];	 /* the setting and why it is refused */
};

struct trust {
	struct finding f[MAX_FINDINGS];
	size_t n;
	bool truncated;
};

static void add(struct trust *t, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void add(struct trust *t, const char *key, const char *fmt, ...)
{
	va_list ap;

	if (t->n == MAX_FINDINGS) {
		t->truncated = true;
		return;
	}
	t->f[t->n].key = key;
	va_start(ap, fmt);
	vsnprintf(t->f[t->n].what, sizeof(t->f[t->n].what), fmt, ap);
	va_end(ap);
	t->n++;
}

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static bool strv_eq(char *const *a, char *const *b)
{
	size_t n = strv_length(a);

	if (n != strv_length(b))
		return false;
	for (size_t i = 0; i < n; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return true;
}

static void check_security(struct trust *t, const struct sysc_conf *a, const struct sysc_conf *d)
{
	if (a->security.privileged && !d->security.privileged)
		add(t, "security.privileged",
		    "security.privileged = true: no user namespace, root in the container is root "
		    "on the host");
	if (a->security.nesting && !d->security.nesting)
		add(t, "security.nesting",
		    "security.nesting = true: an uncovered /proc and /sys, /dev/fuse, /dev/net/tun "
		    "and writable cgroups for runtimes inside");
	if (!a->security.no_new_privs && d->security.no_new_privs)
		add(t, "security.no_new_privs",
		    "security.no_new_privs = false: setuid programs gain privileges again");
	if (!str_eq(a->seccomp.profile, d->seccomp.profile) &&
	    !str_eq(a->seccomp.profile, "default")) {
		if (str_eq(a->seccomp.profile, "none"))
			add(t, "seccomp.profile",
			    "seccomp.profile = \"none\": no system call filter");
		else
			add(t, "seccomp.profile",
			    "seccomp.profile = \"%s\": a file of this host's chosen by the "
			    "archive, "
			    "maybe weaker than the default filter",
			    a->seccomp.profile);
	}
	if (a->seccomp.allow_bpf && !d->seccomp.allow_bpf)
		add(t, "seccomp.allow_bpf", "seccomp.allow_bpf = true: allows bpf()");
}

/* Capabilities a's bounding set keeps that d's does not. */
static void check_caps(struct trust *t, const struct sysc_conf *a, const struct sysc_conf *d)
{
	char *const *akeep = a->capabilities.keep, *const *dkeep = d->capabilities.keep;
	char list[256] = "";
	size_t n = 0;

	if (strv_length(dkeep)) {
		/* the host keeps only dkeep: anything else, or a drop list, is more */
		if (!strv_length(akeep)) {
			add(t, "capabilities",
			    "capabilities.drop replaces this host's capabilities.keep: keeps more "
			    "capabilities than the default");
			return;
		}
		for (size_t i = 0; akeep[i]; i++)
			if (!strv_contains(dkeep, akeep[i]))
				n += (size_t)snprintf(list + n,
						      n < sizeof(list) ? sizeof(list) - n : 0,
						      "%s%s", n ? ", " : "", akeep[i]);
	} else if (strv_length(akeep)) {
		for (size_t i = 0; akeep[i]; i++)
			if (strv_contains(d->capabilities.drop, akeep[i]))
				n += (size_t)snprintf(list + n,
						      n < sizeof(list) ? sizeof(list) - n : 0,
						      "%s%s", n ? ", " : "", akeep[i]);
	} else {
		char *const *ddrop = d->capabilities.drop;
		for (size_t i = 0; ddrop && ddrop[i]; i++)
			if (!strv_contains(a->capabilities.drop, ddrop[i]))
				n += (size_t)snprintf(list + n,
						      n < sizeof(list) ? sizeof(list) - n : 0,
						      "%s%s", n ? ", " : "", ddrop[i]);
	}
	if (n)
		add(t, "capabilities", "capabilities.%s: keeps %s, which the default drops",
		    strv_length(akeep) ? "keep" : "drop", list);
}

static bool same_net(const struct conf_net *x, const struct conf_net *y)
{
	return str_eq(x->type, y->type) && str_eq(x->link, y->link) &&
	       x->create_link == y->create_link;
}

static void check_network(struct trust *t, const struct sysc_conf *a, const struct sysc_conf *d)
{
	for (size_t i = 0; i < a->n_network; i++) {
		const struct conf_net *e = &a->network[i];
		bool in_default = false;

		for (size_t j = 0; j < d->n_network && !in_default; j++)
			in_default = same_net(e, &d->network[j]);
		if (in_default)
			continue;
		if (str_eq(e->type, "none"))
			add(t, "network",
			    "network[%zu]: type \"none\": the host's network namespace (its "
			    "interfaces, addresses and firewall)",
			    i);
		else if (str_eq(e->type, "phys"))
			add(t, "network",
			    "network[%zu]: moves the host's interface %s into the container", i,
			    e->link);
		else if (str_eq(e->type, "macvlan"))
			add(t, "network", "network[%zu]: a macvlan on the host's interface %s", i,
			    e->link);
		else if (e->create_link)
			add(t, "network", "network[%zu]: creates the bridge %s on the host", i,
			    e->link);
	}
}

static void check_sysctls(struct trust *t, const struct sysc_conf *a, const struct sysc_conf *d)
{
	for (size_t i = 0; i < a->n_sysctls; i++) {
		const struct conf_sysctl *s = &a->sysctls[i];
		bool in_default = false;

		for (size_t j = 0; j < d->n_sysctls && !in_default; j++)
			in_default = str_eq(s->key, d->sysctls[j].key) &&
				     str_eq(s->value, d->sysctls[j].value);
		if (!in_default)
			add(t, "sysctl", "sysctl[%zu]: %s = \"%s\", written by sysc-start as root",
			    i, s->key, s->value);
	}
}

/* A forward takes a port on the host (and shadows a host service on it). */
static void check_ports(struct trust *t, const struct sysc_conf *a, const struct sysc_conf *d)
{
	for (size_t i = 0; a->ports && a->ports[i]; i++)
		if (!strv_contains(d->ports, a->ports[i]))
			add(t, "ports", "ports[%zu]: %s takes a port on the host's addresses", i,
			    a->ports[i]);
}

static bool same_mount(const struct conf_mount *x, const struct conf_mount *y)
{
	return str_eq(x->source, y->source) && str_eq(x->target, y->target) &&
	       str_eq(x->type, y->type) && str_eq(x->options, y->options);
}

static void check_mounts(struct trust *t, const struct sysc_conf *a, const struct sysc_conf *d)
{
	for (size_t i = 0; i < a->n_mounts; i++) {
		const struct conf_mount *m = &a->mounts[i];
		const char *type = m->type ? m->type : "none";
		bool in_default = false;

		for (size_t j = 0; j < d->n_mounts && !in_default; j++)
			in_default = same_mount(m, &d->mounts[j]);
		/* a tmpfs is memory of the container's own (its size counts
		 * in its memory cgroup) */
		if (in_default || ((!strcmp(type, "tmpfs") || !strcmp(type, "ramfs")) &&
				   !strstr(m->options ? m->options : "", "bind")))
			continue;
		if (!strcmp(type, "none") || strstr(m->options ? m->options : "", "bind"))
			add(t, "mounts", "mounts[%zu]: bind-mounts the host's %s on %s", i,
			    m->source, m->target);
		else
			add(t, "mounts", "mounts[%zu]: mounts %s (%s) of the host on %s", i,
			    m->source ? m->source : type, type, m->target);
	}
}

static void check_hooks(struct trust *t, const struct sysc_conf *a, const struct sysc_conf *d)
{
	const struct {
		const char *key;
		char *const *a, *const *d;
		const char *where;
	} hooks[] = {
		{"hooks.pre_start", a->hooks.pre_start, d->hooks.pre_start, "on the host as root"},
		{"hooks.pre_mount", a->hooks.pre_mount, d->hooks.pre_mount,
		 "as root with the host's files"},
		{"hooks.mount", a->hooks.mount, d->hooks.mount, "as root with the host's files"},
		{"hooks.start", a->hooks.start, d->hooks.start,
		 "in the container before its capability and seccomp policy"},
		{"hooks.stop", a->hooks.stop, d->hooks.stop, "on the host as root"},
		{"hooks.post_stop", a->hooks.post_stop, d->hooks.post_stop, "on the host as root"},
		{"hooks.create", a->hooks.create, d->hooks.create, "on the host as root"},
		{"hooks.clone", a->hooks.clone, d->hooks.clone, "on the host as root"},
		{"hooks.destroy", a->hooks.destroy, d->hooks.destroy, "on the host as root"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(hooks); i++) {
		_cleanup_free_ char *list = NULL;
		if (!strv_length(hooks[i].a) || strv_eq(hooks[i].a, hooks[i].d))
			continue;
		list = strv_join(hooks[i].a, ", ");
		add(t, hooks[i].key, "%s: runs %s %s", hooks[i].key, list ? list : "programs",
		    hooks[i].where);
	}
}

static void check_devices(struct trust *t, const struct sysc_conf *a, const struct sysc_conf *d)
{
	for (size_t i = 0; a->devices.allow && a->devices.allow[i]; i++)
		if (!strv_contains(d->devices.allow, a->devices.allow[i]))
			add(t, "devices.allow",
			    "devices.allow: \"%s\" opens host devices to the container",
			    a->devices.allow[i]);
	/* (those security.nesting adds are told as security.nesting) */
	for (size_t i = 0; a->devices.create && a->devices.create[i]; i++)
		if (!strv_contains(d->devices.create, a->devices.create[i]) &&
		    !conf_nesting_device(a, a->devices.create[i]))
			add(t, "devices.create",
			    "devices.create: \"%s\" gives the container a host device",
			    a->devices.create[i]);
}

static const struct conf_limit *find_limit(const struct sysc_conf *c, const char *name)
{
	for (size_t i = 0; i < c->n_limits; i++)
		if (strcmp(c->limits[i].name, name) == 0)
			return &c->limits[i];
	return NULL;
}

/* What lets processes of the container take the host's memory or CPU from
 * it: locked memory, real-time and raised priorities, OOM immunity. */
static void check_resources(struct trust *t, const struct sysc_conf *a, const struct sysc_conf *d)
{
	static const struct {
		const char *name, *key, *why;
	} limits[] = {
		{"memlock", "limits.memlock", "memory the host cannot reclaim"},
		{"rtprio", "limits.rtprio", "real-time scheduling, which can starve the host"},
		{"rttime", "limits.rttime", "real-time CPU time, which can starve the host"},
		{"nice", "limits.nice", "priorities above the host's processes"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(limits); i++) {
		const struct conf_limit *x = find_limit(a, limits[i].name), *y;
		if (!x)
			continue;
		y = find_limit(d, limits[i].name);
		if (y && x->soft <= y->soft && x->hard <= y->hard)
			continue;
		add(t, limits[i].key, "%s: raised by sysc-start as root: %s", limits[i].key,
		    limits[i].why);
	}
	if (a->oom_score_adj_set && a->oom_score_adj < 0 &&
	    !(d->oom_score_adj_set && d->oom_score_adj <= a->oom_score_adj))
		add(t, "oom_score_adj",
		    "oom_score_adj = %d: the OOM killer spares the container at the host's expense",
		    a->oom_score_adj);
	if (a->autostart.enabled && !d->autostart.enabled)
		add(t, "autostart.enabled",
		    "autostart.enabled = true: starts at the host's boot without a sysc-start");
}

/* key is accepted when allow names it, or a group or list above it. */
static bool allowed(char *const *allow, const char *key)
{
	for (size_t i = 0; allow && allow[i]; i++) {
		size_t n = strlen(allow[i]);
		if (strncmp(key, allow[i], n) == 0 && (key[n] == '\0' || key[n] == '.'))
			return true;
		/* a key of a group covered by one --allow for the group
		 * ("capabilities.drop" for "capabilities") */
		if (str_startswith(allow[i], key) && allow[i][strlen(key)] == '.')
			return true;
	}
	return false;
}

int import_trust_check(const char *file, const struct sysc_conf *a, const struct sysc_conf *d,
		       char *const *allow)
{
	struct trust *t = calloc(1, sizeof(*t));
	size_t refused = 0;

	if (!t)
		return -ENOMEM;
	check_security(t, a, d);
	check_caps(t, a, d);
	check_network(t, a, d);
	check_sysctls(t, a, d);
	check_ports(t, a, d);
	check_mounts(t, a, d);
	check_hooks(t, a, d);
	check_devices(t, a, d);
	check_resources(t, a, d);
	for (size_t i = 0; i < t->n; i++)
		refused += !allowed(allow, t->f[i].key);
	if (refused)
		log_error("archive %s: its config weakens the container's isolation or acts on the "
			  "host; refused unless named on the command line:",
			  file);
	/* refused: only what is refused; else what the user accepted */
	for (size_t i = 0; i < t->n; i++) {
		bool ok = allowed(allow, t->f[i].key);
		if (refused && !ok)
			log_error("  %s (--allow %s)", t->f[i].what, t->f[i].key);
		else if (!refused)
			log_warn("archive %s: accepted (--allow %s): %s", file, t->f[i].key,
				 t->f[i].what);
	}
	if (t->truncated) {
		log_error("  ... and more (not all settings are listed: refused)");
		refused++;
	}
	free(t);
	return refused ? -EPERM : 0;
}

bool import_trust_key_valid(const char *key)
{
	return conf_key_known(key);
}
