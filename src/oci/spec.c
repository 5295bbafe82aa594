/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* config.json -> struct oci_spec (json-c: this module is its only user). */
#include "oci/oci.h"
#include "cgroup/cgroup.h"
#include "config/config.h"
#include "security/caps.h"
#include "security/devices.h"
#include "security/seccomp.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/strv.h"

#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <linux/mount.h>

/* Parsing context: the file name for messages. */
struct pctx {
	const char *file;
};

#define perr(c, field, ...)                                                                        \
	({                                                                                         \
		log_error("%s: %s: " _PERR_FMT(__VA_ARGS__), (c)->file, field,                     \
			  _PERR_ARGS(__VA_ARGS__));                                                \
		-EINVAL;                                                                           \
	})
#define _PERR_FMT(fmt, ...)  fmt
#define _PERR_ARGS(fmt, ...) __VA_ARGS__

static void perr_msg(const struct pctx *c, const char *field, const char *msg)
{
	log_error("%s: %s: %s", c->file, field, msg);
}

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!o || !json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return NULL;
	return v;
}

static int want(const struct pctx *c, struct json_object *v, enum json_type t, const char *field)
{
	static const char *const names[] = {
		[json_type_null] = "null",	  [json_type_boolean] = "a boolean",
		[json_type_double] = "a number",  [json_type_int] = "an integer",
		[json_type_object] = "an object", [json_type_array] = "an array",
		[json_type_string] = "a string",
	};
	char buf[128];

	if (json_object_is_type(v, t))
		return 0;
	if (t == json_type_double && json_object_is_type(v, json_type_int))
		return 0;
	snprintf(buf, sizeof(buf), "must be %s", names[t]);
	perr_msg(c, field, buf);
	return -EINVAL;
}

/* a must be an array: *ret gets a zeroed table for its items, size bytes each, and one more; the
 * number of items in *ret_n. */
static int want_table(const struct pctx *c, struct json_object *a, const char *field, size_t size,
		      void **ret, size_t *ret_n)
{
	if (want(c, a, json_type_array, field) < 0)
		return -EINVAL;
	*ret_n = json_object_array_length(a);
	*ret = calloc(*ret_n + 1, size);
	return *ret ? 0 : -ENOMEM;
}

/* The value at key when it is of type t: 1 with it in *ret; 0 when absent or null; -EINVAL (logged)
 * when of another type. */
static int get_typed(const struct pctx *c, struct json_object *o, const char *key,
		     const char *field, enum json_type t, struct json_object **ret)
{
	*ret = get(o, key);
	if (!*ret)
		return 0;
	if (want(c, *ret, t, field) < 0)
		return -EINVAL;
	return 1;
}

static int get_str(const struct pctx *c, struct json_object *o, const char *key, const char *field,
		   char **ret)
{
	struct json_object *v;
	int r = get_typed(c, o, key, field, json_type_string, &v);

	if (r <= 0)
		return r;
	*ret = strdup(json_object_get_string(v));
	return *ret ? 1 : -ENOMEM;
}

static int get_bool(const struct pctx *c, struct json_object *o, const char *key, const char *field,
		    bool *ret)
{
	struct json_object *v;
	int r = get_typed(c, o, key, field, json_type_boolean, &v);

	if (r > 0)
		*ret = json_object_get_boolean(v);
	return r;
}

static int get_i64(const struct pctx *c, struct json_object *o, const char *key, const char *field,
		   int64_t *ret)
{
	struct json_object *v;
	int r = get_typed(c, o, key, field, json_type_int, &v);

	if (r > 0) {
		errno = 0;
		*ret = json_object_get_int64(v);
	}
	return r;
}

static int get_u64(const struct pctx *c, struct json_object *o, const char *key, const char *field,
		   uint64_t *ret)
{
	struct json_object *v;
	int r = get_typed(c, o, key, field, json_type_int, &v);

	if (r > 0)
		*ret = json_object_get_uint64(v);
	return r;
}

static int get_strv(const struct pctx *c, struct json_object *o, const char *key, const char *field,
		    char ***ret)
{
	struct json_object *v;
	_cleanup_strv_ char **l = NULL;
	int r = get_typed(c, o, key, field, json_type_array, &v);

	if (r <= 0)
		return r;
	l = calloc(1, sizeof(char *));
	if (!l)
		return -ENOMEM;
	for (size_t i = 0; i < json_object_array_length(v); i++) {
		struct json_object *e = json_object_array_get_idx(v, i);

		if (!json_object_is_type(e, json_type_string))
			return perr(c, field, "item %zu must be a string", i);
		if (strv_push(&l, json_object_get_string(e)) < 0)
			return -ENOMEM;
	}
	strv_free(*ret);
	*ret = TAKE_PTR(l);
	return 1;
}

/* An object of strings -> key, value, key, value ... */
static int get_map(const struct pctx *c, struct json_object *o, const char *key, const char *field,
		   char ***ret)
{
	struct json_object *v;
	_cleanup_strv_ char **l = NULL;
	int r = get_typed(c, o, key, field, json_type_object, &v);

	if (r <= 0)
		return r;
	l = calloc(1, sizeof(char *));
	if (!l)
		return -ENOMEM;
	json_object_object_foreach(v, k, val)
	{
		if (!json_object_is_type(val, json_type_string))
			return perr(c, field, "the value of \"%s\" must be a string", k);
		if (strv_push(&l, k) < 0 || strv_push(&l, json_object_get_string(val)) < 0)
			return -ENOMEM;
	}
	*ret = TAKE_PTR(l);
	return 1;
}

/* ---- process ---- */

static const struct {
	const char *name;
	int res;
} rlimit_names[] = {
	{"RLIMIT_AS", RLIMIT_AS},
	{"RLIMIT_CORE", RLIMIT_CORE},
	{"RLIMIT_CPU", RLIMIT_CPU},
	{"RLIMIT_DATA", RLIMIT_DATA},
	{"RLIMIT_FSIZE", RLIMIT_FSIZE},
	{"RLIMIT_LOCKS", RLIMIT_LOCKS},
	{"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
	{"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
	{"RLIMIT_NICE", RLIMIT_NICE},
	{"RLIMIT_NOFILE", RLIMIT_NOFILE},
	{"RLIMIT_NPROC", RLIMIT_NPROC},
	{"RLIMIT_RSS", RLIMIT_RSS},
	{"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
	{"RLIMIT_RTTIME", RLIMIT_RTTIME},
	{"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
	{"RLIMIT_STACK", RLIMIT_STACK},
};

static int parse_rlimits(const struct pctx *c, struct json_object *a, struct oci_process *p)
{
	size_t n;
	int r;

	r = want_table(c, a, "process.rlimits", sizeof(*p->rlimits), (void **)&p->rlimits, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(a, i);
		_cleanup_free_ char *type = NULL;
		struct oci_rlimit *rl = &p->rlimits[p->n_rlimits];
		int found = -1;

		if (want(c, e, json_type_object, "process.rlimits[]") < 0 ||
		    get_str(c, e, "type", "process.rlimits[].type", &type) <= 0 ||
		    get_u64(c, e, "soft", "process.rlimits[].soft", &rl->soft) < 0 ||
		    get_u64(c, e, "hard", "process.rlimits[].hard", &rl->hard) < 0)
			return type ? -EINVAL : perr(c, "process.rlimits[]", "%s", "type missing");
		for (size_t k = 0; k < sizeof(rlimit_names) / sizeof(*rlimit_names); k++)
			if (!strcmp(type, rlimit_names[k].name))
				found = rlimit_names[k].res;
		if (found < 0)
			return perr(c, "process.rlimits[].type", "unknown rlimit \"%s\"", type);
		for (size_t k = 0; k < p->n_rlimits; k++)
			if (p->rlimits[k].resource == found)
				return perr(c, "process.rlimits", "\"%s\" given twice", type);
		rl->resource = found;
		p->n_rlimits++;
	}
	return 0;
}

static int parse_capset(const struct pctx *c, struct json_object *caps, const char *key,
			uint64_t *ret)
{
	_cleanup_strv_ char **l = NULL;
	char field[64];
	int r;

	snprintf(field, sizeof(field), "process.capabilities.%s", key);
	r = get_strv(c, caps, key, field, &l);
	if (r <= 0)
		return r;
	*ret = 0;
	for (size_t i = 0; l[i]; i++) {
		int n = caps_from_name(l[i]);

		if (n < 0)
			return perr(c, field, "unknown capability \"%s\"", l[i]);
		if (n > caps_last_cap()) {
			log_warn("%s: %s: %s is unknown to this kernel, ignored", c->file, field,
				 l[i]);
			continue;
		}
		*ret |= UINT64_C(1) << n;
	}
	return 0;
}

static int parse_user(const struct pctx *c, struct json_object *u, struct oci_process *p)
{
	struct json_object *g;
	int64_t v;
	int r;

	if (want(c, u, json_type_object, "process.user") < 0)
		return -EINVAL;
	if ((r = get_i64(c, u, "uid", "process.user.uid", &v)) < 0)
		return r;
	if (r > 0 && (v < 0 || v > UINT32_MAX - 1))
		return perr(c, "process.user.uid", "%" PRId64 " is out of range", v);
	p->uid = r > 0 ? (uid_t)v : 0;
	if ((r = get_i64(c, u, "gid", "process.user.gid", &v)) < 0)
		return r;
	if (r > 0 && (v < 0 || v > UINT32_MAX - 1))
		return perr(c, "process.user.gid", "%" PRId64 " is out of range", v);
	p->gid = r > 0 ? (gid_t)v : 0;
	if ((r = get_i64(c, u, "umask", "process.user.umask", &v)) < 0)
		return r;
	if (r > 0) {
		p->has_umask = true;
		p->umask = (mode_t)v & 0777;
	}
	g = get(u, "additionalGids");
	if (g) {
		if (want(c, g, json_type_array, "process.user.additionalGids") < 0)
			return -EINVAL;
		p->n_groups = json_object_array_length(g);
		p->groups = calloc(p->n_groups + 1, sizeof(gid_t));
		if (!p->groups)
			return -ENOMEM;
		for (size_t i = 0; i < p->n_groups; i++)
			p->groups[i] =
				(gid_t)json_object_get_int64(json_object_array_get_idx(g, i));
	}
	return 0;
}

static int parse_process(const struct pctx *c, struct json_object *o, struct oci_process *p)
{
	struct json_object *v;
	int64_t oom;
	int r;

	if (want(c, o, json_type_object, "process") < 0)
		return -EINVAL;
	if (get_bool(c, o, "terminal", "process.terminal", &p->terminal) < 0 ||
	    get_strv(c, o, "args", "process.args", &p->args) < 0 ||
	    get_strv(c, o, "env", "process.env", &p->env) < 0 ||
	    get_str(c, o, "cwd", "process.cwd", &p->cwd) < 0 ||
	    get_bool(c, o, "noNewPrivileges", "process.noNewPrivileges", &p->no_new_privs) < 0 ||
	    get_str(c, o, "apparmorProfile", "process.apparmorProfile", &p->apparmor) < 0)
		return -EINVAL;
	if (!p->args || !p->args[0])
		return perr(c, "process.args", "%s", "must name a program to run");
	if (!p->cwd)
		return perr(c, "process.cwd", "%s", "missing");
	if (p->cwd[0] != '/')
		return perr(c, "process.cwd", "\"%s\" must be an absolute path", p->cwd);
	if ((v = get(o, "user")) && (r = parse_user(c, v, p)) < 0)
		return r;
	if ((v = get(o, "rlimits")) && (r = parse_rlimits(c, v, p)) < 0)
		return r;
	if ((r = get_i64(c, o, "oomScoreAdj", "process.oomScoreAdj", &oom)) < 0)
		return r;
	if (r > 0) {
		if (oom < -1000 || oom > 1000)
			return perr(c, "process.oomScoreAdj", "%" PRId64 " is not in -1000..1000",
				    oom);
		p->has_oom_score_adj = true;
		p->oom_score_adj = (int)oom;
	}
	if ((v = get(o, "capabilities"))) {
		if (want(c, v, json_type_object, "process.capabilities") < 0)
			return -EINVAL;
		p->has_caps = true;
		if (parse_capset(c, v, "bounding", &p->cap_bounding) < 0 ||
		    parse_capset(c, v, "effective", &p->cap_effective) < 0 ||
		    parse_capset(c, v, "permitted", &p->cap_permitted) < 0 ||
		    parse_capset(c, v, "inheritable", &p->cap_inheritable) < 0 ||
		    parse_capset(c, v, "ambient", &p->cap_ambient) < 0)
			return -EINVAL;
	}
	return 0;
}

void oci_process_done(struct oci_process *p)
{
	strv_free(p->args);
	strv_free(p->env);
	free(p->cwd);
	free(p->groups);
	free(p->rlimits);
	free(p->apparmor);
	*p = (struct oci_process){0};
}

/* ---- mounts ---- */

static const struct {
	const char *name;
	bool clear;
	unsigned long flag;   /* MS_* */
	unsigned attr;	      /* MOUNT_ATTR_* */
	unsigned long propag; /* MS_PRIVATE ... */
} mount_opts[] = {
	{"ro", false, MS_RDONLY, MOUNT_ATTR_RDONLY, 0},
	{"rw", true, MS_RDONLY, MOUNT_ATTR_RDONLY, 0},
	{"nosuid", false, MS_NOSUID, MOUNT_ATTR_NOSUID, 0},
	{"suid", true, MS_NOSUID, MOUNT_ATTR_NOSUID, 0},
	{"nodev", false, MS_NODEV, MOUNT_ATTR_NODEV, 0},
	{"dev", true, MS_NODEV, MOUNT_ATTR_NODEV, 0},
	{"noexec", false, MS_NOEXEC, MOUNT_ATTR_NOEXEC, 0},
	{"exec", true, MS_NOEXEC, MOUNT_ATTR_NOEXEC, 0},
	{"noatime", false, MS_NOATIME, MOUNT_ATTR_NOATIME, 0},
	{"atime", true, MS_NOATIME, MOUNT_ATTR_NOATIME, 0},
	{"nodiratime", false, MS_NODIRATIME, MOUNT_ATTR_NODIRATIME, 0},
	{"diratime", true, MS_NODIRATIME, MOUNT_ATTR_NODIRATIME, 0},
	{"relatime", false, MS_RELATIME, MOUNT_ATTR_RELATIME, 0},
	{"norelatime", true, MS_RELATIME, MOUNT_ATTR_RELATIME, 0},
	{"strictatime", false, MS_STRICTATIME, MOUNT_ATTR_STRICTATIME, 0},
	{"nostrictatime", true, MS_STRICTATIME, MOUNT_ATTR_STRICTATIME, 0},
	{"sync", false, MS_SYNCHRONOUS, 0, 0},
	{"async", true, MS_SYNCHRONOUS, 0, 0},
	{"dirsync", false, MS_DIRSYNC, 0, 0},
	{"mand", false, MS_MANDLOCK, 0, 0},
	{"nomand", true, MS_MANDLOCK, 0, 0},
	{"defaults", false, 0, 0, 0},
	{"private", false, 0, 0, MS_PRIVATE},
	{"rprivate", false, 0, 0, MS_PRIVATE | MS_REC},
	{"shared", false, 0, 0, MS_SHARED},
	{"rshared", false, 0, 0, MS_SHARED | MS_REC},
	{"slave", false, 0, 0, MS_SLAVE},
	{"rslave", false, 0, 0, MS_SLAVE | MS_REC},
	{"unbindable", false, 0, 0, MS_UNBINDABLE},
	{"runbindable", false, 0, 0, MS_UNBINDABLE | MS_REC},
};

static int parse_mount_options(struct oci_mount *m)
{
	_cleanup_strv_ char **data = calloc(1, sizeof(char *));

	if (!data)
		return -ENOMEM;
	for (size_t i = 0; m->options && m->options[i]; i++) {
		const char *o = m->options[i];
		bool known = false;

		if (!strcmp(o, "bind") || !strcmp(o, "rbind")) {
			m->bind = true;
			m->rbind = o[0] == 'r';
			continue;
		}
		if (!strcmp(o, "idmap") || !strcmp(o, "ridmap")) {
			m->idmap = true;
			continue;
		}
		if (!strcmp(o, "tmpcopyup")) {
			m->tmpcopyup = true;
			continue;
		}
		for (size_t k = 0; k < sizeof(mount_opts) / sizeof(*mount_opts); k++) {
			if (strcmp(o, mount_opts[k].name))
				continue;
			known = true;
			if (mount_opts[k].clear) {
				m->flags &= ~mount_opts[k].flag;
				m->attr_set &= ~mount_opts[k].attr;
				m->attr_clr |= mount_opts[k].attr;
			} else {
				m->flags |= mount_opts[k].flag;
				m->attr_set |= mount_opts[k].attr;
				m->attr_clr &= ~mount_opts[k].attr;
				if (mount_opts[k].propag)
					m->propagation = mount_opts[k].propag;
			}
		}
		if (!known && strv_push(&data, o) < 0)
			return -ENOMEM;
	}
	if (m->type && !strcmp(m->type, "bind"))
		m->bind = true;
	/* an access time mode replaces the default relatime */
	if (m->attr_set & (MOUNT_ATTR_NOATIME | MOUNT_ATTR_STRICTATIME))
		m->attr_set &= ~MOUNT_ATTR_RELATIME;
	if (data[0]) {
		m->data = strv_join(data, ",");
		if (!m->data)
			return -ENOMEM;
	}
	return 0;
}

static int parse_mounts(const struct pctx *c, struct json_object *a, struct oci_spec *s)
{
	size_t n;
	int r;

	r = want_table(c, a, "mounts", sizeof(*s->mounts), (void **)&s->mounts, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(a, i);
		struct oci_mount *m = &s->mounts[s->n_mounts++];

		if (want(c, e, json_type_object, "mounts[]") < 0 ||
		    get_str(c, e, "destination", "mounts[].destination", &m->destination) < 0 ||
		    get_str(c, e, "type", "mounts[].type", &m->type) < 0 ||
		    get_str(c, e, "source", "mounts[].source", &m->source) < 0 ||
		    get_strv(c, e, "options", "mounts[].options", &m->options) < 0)
			return -EINVAL;
		if (!m->destination)
			return perr(c, "mounts[].destination", "%s", "missing");
		if (m->destination[0] != '/')
			return perr(c, "mounts[].destination", "\"%s\" must be an absolute path",
				    m->destination);
		r = parse_mount_options(m);
		if (r < 0)
			return r;
		if (!m->type && !m->bind)
			return perr(c, "mounts[].type", "missing for %s (not a bind mount)",
				    m->destination);
	}
	return 0;
}

/* ---- hooks ---- */

static int parse_hook_list(const struct pctx *c, struct json_object *hooks, const char *key,
			   struct oci_hook **ret, size_t *ret_n)
{
	struct json_object *a = get(hooks, key);
	char field[64];
	size_t n;
	int r;

	if (!a)
		return 0;
	snprintf(field, sizeof(field), "hooks.%s", key);
	r = want_table(c, a, field, sizeof(**ret), (void **)ret, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(a, i);
		struct oci_hook *h = &(*ret)[(*ret_n)++];
		int64_t t = 0;

		if (want(c, e, json_type_object, field) < 0 ||
		    get_str(c, e, "path", field, &h->path) < 0 ||
		    get_strv(c, e, "args", field, &h->args) < 0 ||
		    get_strv(c, e, "env", field, &h->env) < 0 ||
		    get_i64(c, e, "timeout", field, &t) < 0)
			return -EINVAL;
		if (!h->path || h->path[0] != '/')
			return perr(c, field, "%s", "path must be an absolute path");
		if (t < 0 || t > INT_MAX)
			return perr(c, field, "timeout %" PRId64 " must be positive", t);
		h->timeout = (int)t;
	}
	return 0;
}

static int parse_hooks(const struct pctx *c, struct json_object *o, struct oci_hooks *h)
{
	static const char *const keys[OCI_HOOK_KINDS] = {
		"prestart",	  "createRuntime", "createContainer",
		"startContainer", "poststart",	   "poststop",
	};

	if (want(c, o, json_type_object, "hooks") < 0)
		return -EINVAL;
	for (int k = 0; k < OCI_HOOK_KINDS; k++)
		if (parse_hook_list(c, o, keys[k], &h->list[k], &h->n[k]) < 0)
			return -EINVAL;
	return 0;
}

static void hooks_done(struct oci_hooks *h)
{
	for (int k = 0; k < OCI_HOOK_KINDS; k++) {
		for (size_t i = 0; i < h->n[k]; i++) {
			free(h->list[k][i].path);
			strv_free(h->list[k][i].args);
			strv_free(h->list[k][i].env);
		}
		free(h->list[k]);
	}
}

/* ---- linux ---- */

static const struct {
	const char *name;
	int flag;
} ns_types[] = {
	{"pid", CLONE_NEWPID},	     {"network", CLONE_NEWNET}, {"mount", CLONE_NEWNS},
	{"ipc", CLONE_NEWIPC},	     {"uts", CLONE_NEWUTS},	{"user", CLONE_NEWUSER},
	{"cgroup", CLONE_NEWCGROUP}, {"time", CLONE_NEWTIME},
};

static int parse_namespaces(const struct pctx *c, struct json_object *a, struct oci_spec *s)
{
	size_t n;
	int r;

	r = want_table(c, a, "linux.namespaces", sizeof(*s->namespaces), (void **)&s->namespaces,
		       &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(a, i);
		struct oci_namespace *ns = &s->namespaces[s->n_namespaces];
		_cleanup_free_ char *type = NULL;

		if (want(c, e, json_type_object, "linux.namespaces[]") < 0 ||
		    get_str(c, e, "type", "linux.namespaces[].type", &type) < 0 ||
		    get_str(c, e, "path", "linux.namespaces[].path", &ns->path) < 0)
			return -EINVAL;
		if (!type)
			return perr(c, "linux.namespaces[].type", "%s", "missing");
		for (size_t k = 0; k < sizeof(ns_types) / sizeof(*ns_types); k++)
			if (!strcmp(type, ns_types[k].name))
				ns->type = ns_types[k].flag;
		if (!ns->type)
			return perr(c, "linux.namespaces[].type", "unknown namespace \"%s\"", type);
		if (oci_spec_namespace(s, ns->type))
			return perr(c, "linux.namespaces", "\"%s\" given twice", type);
		s->n_namespaces++;
	}
	return 0;
}

const struct oci_namespace *oci_spec_namespace(const struct oci_spec *s, int type)
{
	for (size_t i = 0; i < s->n_namespaces; i++)
		if (s->namespaces[i].type == type)
			return &s->namespaces[i];
	return NULL;
}

static int parse_idmaps(const struct pctx *c, struct json_object *a, const char *field,
			struct oci_idmap **ret, size_t *ret_n)
{
	size_t n;
	int r;

	r = want_table(c, a, field, sizeof(**ret), (void **)ret, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(a, i);
		uint64_t cid = 0, hid = 0, size = 0;

		if (want(c, e, json_type_object, field) < 0 ||
		    get_u64(c, e, "containerID", field, &cid) <= 0 ||
		    get_u64(c, e, "hostID", field, &hid) <= 0 ||
		    get_u64(c, e, "size", field, &size) <= 0)
			return perr(c, field, "%s", "needs containerID, hostID and size");
		if (cid > UINT32_MAX || hid > UINT32_MAX || size == 0 || size > UINT32_MAX)
			return perr(c, field, "%s", "ids out of range");
		(*ret)[(*ret_n)++] =
			(struct oci_idmap){(uint32_t)cid, (uint32_t)hid, (uint32_t)size};
	}
	return 0;
}

static int parse_device_type(const struct pctx *c, const char *t, const char *field, char *ret)
{
	if (!t || strlen(t) != 1 || !strchr("cbup", t[0]))
		return perr(c, field, "type \"%s\" must be c, b, u or p", t ? t : "");
	*ret = t[0];
	return 0;
}

static int parse_devices(const struct pctx *c, struct json_object *a, struct oci_spec *s)
{
	size_t n;
	int r;

	r = want_table(c, a, "linux.devices", sizeof(*s->devices), (void **)&s->devices, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(a, i);
		struct oci_device *d = &s->devices[s->n_devices++];
		_cleanup_free_ char *type = NULL;
		int64_t v;

		if (want(c, e, json_type_object, "linux.devices[]") < 0 ||
		    get_str(c, e, "path", "linux.devices[].path", &d->path) < 0 ||
		    get_str(c, e, "type", "linux.devices[].type", &type) < 0 ||
		    parse_device_type(c, type, "linux.devices[].type", &d->type) < 0 ||
		    get_i64(c, e, "major", "linux.devices[].major", &d->major) < 0 ||
		    get_i64(c, e, "minor", "linux.devices[].minor", &d->minor) < 0)
			return -EINVAL;
		if (!d->path || d->path[0] != '/')
			return perr(c, "linux.devices[].path", "%s", "must be an absolute path");
		if ((r = get_i64(c, e, "fileMode", "linux.devices[].fileMode", &v)) < 0)
			return r;
		d->has_mode = r > 0;
		d->mode = (mode_t)v;
		if ((r = get_i64(c, e, "uid", "linux.devices[].uid", &v)) < 0)
			return r;
		d->has_uid = r > 0;
		d->uid = (uid_t)v;
		if ((r = get_i64(c, e, "gid", "linux.devices[].gid", &v)) < 0)
			return r;
		d->has_gid = r > 0;
		d->gid = (gid_t)v;
	}
	return 0;
}

/* ---- resources -> cgroup v2 vocabulary ---- */

static int add_limit(struct oci_resources *r, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int add_limit(struct oci_resources *r, const char *key, const char *fmt, ...)
{
	struct cgroup_limit *l = realloc(r->limits, (r->n_limits + 1) * sizeof(*l));
	va_list ap;
	int k;

	if (!l)
		return -ENOMEM;
	r->limits = l;
	l[r->n_limits].key = key;
	va_start(ap, fmt);
	k = vasprintf(&l[r->n_limits].value, fmt, ap);
	va_end(ap);
	if (k < 0)
		return -ENOMEM;
	r->n_limits++;
	return 0;
}

static int parse_memory(const struct pctx *c, struct json_object *m, struct oci_resources *r)
{
	int64_t limit = 0, swap = 0, resv = 0;
	int hl, hs, hr;

	if (want(c, m, json_type_object, "linux.resources.memory") < 0)
		return -EINVAL;
	if ((hl = get_i64(c, m, "limit", "linux.resources.memory.limit", &limit)) < 0 ||
	    (hs = get_i64(c, m, "swap", "linux.resources.memory.swap", &swap)) < 0 ||
	    (hr = get_i64(c, m, "reservation", "linux.resources.memory.reservation", &resv)) < 0)
		return -EINVAL;
	if (hl > 0 && (limit > 0 ? add_limit(r, "memory.max", "%" PRId64, limit)
				 : add_limit(r, "memory.max", "max")) < 0)
		return -ENOMEM;
	if (hr > 0 && (resv > 0 ? add_limit(r, "memory.high", "%" PRId64, resv)
				: add_limit(r, "memory.high", "max")) < 0)
		return -ENOMEM;
	if (hs > 0) {
		/* OCI's swap is memory + swap (v1's memsw) */
		if (swap > 0 && hl > 0 && limit > 0 && swap < limit)
			return perr(c, "linux.resources.memory.swap",
				    "%" PRId64 " is below the memory limit %" PRId64, swap, limit);
		int k = swap > 0 && hl > 0 && limit > 0
				? add_limit(r, "memory.swap.max", "%" PRId64, swap - limit)
				: add_limit(r, "memory.swap.max", "max");

		if (k < 0)
			return -ENOMEM;
	}
	return 0;
}

static int parse_cpu(const struct pctx *c, struct json_object *o, struct oci_resources *r)
{
	uint64_t shares = 0, period = 0;
	int64_t quota = 0;
	_cleanup_free_ char *cpus = NULL, *mems = NULL;
	int hs, hp, hq;

	if (want(c, o, json_type_object, "linux.resources.cpu") < 0)
		return -EINVAL;
	if ((hs = get_u64(c, o, "shares", "linux.resources.cpu.shares", &shares)) < 0 ||
	    (hp = get_u64(c, o, "period", "linux.resources.cpu.period", &period)) < 0 ||
	    (hq = get_i64(c, o, "quota", "linux.resources.cpu.quota", &quota)) < 0 ||
	    get_str(c, o, "cpus", "linux.resources.cpu.cpus", &cpus) < 0 ||
	    get_str(c, o, "mems", "linux.resources.cpu.mems", &mems) < 0)
		return -EINVAL;
	if (hs > 0 && shares > 0 && add_limit(r, "cpu.shares", "%" PRIu64, shares) < 0)
		return -ENOMEM;
	if ((hq > 0 || hp > 0) && (quota > 0 || hp > 0)) {
		char q[32] = "max";

		if (hq > 0 && quota > 0)
			snprintf(q, sizeof(q), "%" PRId64, quota);
		if (add_limit(r, "cpu.max", "%s %" PRIu64, q, period ? period : 100000) < 0)
			return -ENOMEM;
	}
	if (cpus && *cpus && add_limit(r, "cpuset.cpus", "%s", cpus) < 0)
		return -ENOMEM;
	if (mems && *mems && add_limit(r, "cpuset.mems", "%s", mems) < 0)
		return -ENOMEM;
	return 0;
}

static int parse_dev_rules(const struct pctx *c, struct json_object *a, struct oci_resources *r)
{
	size_t n;
	int q;

	q = want_table(c, a, "linux.resources.devices", sizeof(*r->devices), (void **)&r->devices,
		       &n);
	if (q < 0)
		return q;
	r->has_devices = true;
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(a, i);
		const char *f = "linux.resources.devices[]";
		_cleanup_free_ char *type = NULL, *access = NULL;
		bool allow = false;
		int64_t major = -1, minor = -1;
		char rule[64];
		struct devices_rule d;

		if (want(c, e, json_type_object, f) < 0 || get_bool(c, e, "allow", f, &allow) < 0 ||
		    get_str(c, e, "type", f, &type) < 0 ||
		    get_str(c, e, "access", f, &access) < 0 ||
		    get_i64(c, e, "major", f, &major) < 0 || get_i64(c, e, "minor", f, &minor) < 0)
			return -EINVAL;
		if (type && strcmp(type, "a") && strcmp(type, "c") && strcmp(type, "b"))
			return perr(c, f, "type \"%s\" must be a, c or b", type);
		if (!type || !strcmp(type, "a"))
			snprintf(rule, sizeof(rule), "a");
		else {
			char ma[24] = "*", mi[24] = "*";

			if (major >= 0)
				snprintf(ma, sizeof(ma), "%" PRId64, major);
			if (minor >= 0)
				snprintf(mi, sizeof(mi), "%" PRId64, minor);
			snprintf(rule, sizeof(rule), "%s %s:%s %s", type, ma, mi,
				 access && *access ? access : "rwm");
		}
		if (devices_rule_parse(rule, &d) < 0)
			return perr(c, f, "invalid rule \"%s\"", rule);
		/* an allow list: a deny removes what it names from the list so far,
		 * a deny of everything empties it */
		if (!allow) {
			if (d.type == 'a') {
				r->n_devices = 0;
				continue;
			}
			for (size_t k = 0; k < r->n_devices;) {
				struct devices_rule *o = &r->devices[k];

				if (o->type == d.type && o->major == d.major &&
				    o->minor == d.minor) {
					o->access &= ~d.access;
					if (!o->access) {
						memmove(o, o + 1,
							(r->n_devices - k - 1) * sizeof(*o));
						r->n_devices--;
						continue;
					}
				}
				k++;
			}
			continue;
		}
		r->devices[r->n_devices++] = d;
	}
	return 0;
}

static int parse_resources(const struct pctx *c, struct json_object *o, struct oci_resources *r)
{
	struct json_object *v;
	int64_t pids;
	uint64_t weight;
	int k;

	if (want(c, o, json_type_object, "linux.resources") < 0)
		return -EINVAL;
	if ((v = get(o, "devices")) && parse_dev_rules(c, v, r) < 0)
		return -EINVAL;
	if ((v = get(o, "memory")) && parse_memory(c, v, r) < 0)
		return -EINVAL;
	if ((v = get(o, "cpu")) && parse_cpu(c, v, r) < 0)
		return -EINVAL;
	if ((v = get(o, "pids"))) {
		if (want(c, v, json_type_object, "linux.resources.pids") < 0 ||
		    (k = get_i64(c, v, "limit", "linux.resources.pids.limit", &pids)) <= 0)
			return perr(c, "linux.resources.pids", "%s", "needs a limit");
		if ((pids > 0 ? add_limit(r, "pids.max", "%" PRId64, pids)
			      : add_limit(r, "pids.max", "max")) < 0)
			return -ENOMEM;
	}
	if ((v = get(o, "blockIO"))) {
		if (want(c, v, json_type_object, "linux.resources.blockIO") < 0 ||
		    (k = get_u64(c, v, "weight", "linux.resources.blockIO.weight", &weight)) < 0)
			return -EINVAL;
		/* blkio 10..1000 -> io.weight 1..10000 */
		if (k > 0 && weight > 0 &&
		    add_limit(r, "io.weight", "%" PRIu64,
			      1 + (weight < 10 ? 0 : (weight - 10) * 9999 / 990)) < 0)
			return -ENOMEM;
	}
	return 0;
}

void oci_resources_done(struct oci_resources *r)
{
	cgroup_limits_free(r->limits, r->n_limits);
	free(r->devices);
	*r = (struct oci_resources){0};
}

int oci_resources_parse(const char *file, const char *text, struct oci_resources *ret)
{
	struct pctx c = {.file = file};
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o;
	int r;

	if (!tok)
		return -ENOMEM;
	o = json_tokener_parse_ex(tok, text, (int)strlen(text));
	if (!o) {
		log_error("%s: not valid JSON: %s", file,
			  json_tokener_error_desc(json_tokener_get_error(tok)));
		json_tokener_free(tok);
		return -EINVAL;
	}
	json_tokener_free(tok);
	*ret = (struct oci_resources){0};
	r = parse_resources(&c, o, ret);
	json_object_put(o);
	if (r < 0)
		oci_resources_done(ret);
	return r;
}

static int parse_linux(const struct pctx *c, struct json_object *o, struct oci_spec *s)
{
	struct json_object *v;

	if (want(c, o, json_type_object, "linux") < 0)
		return -EINVAL;
	if ((v = get(o, "namespaces")) && parse_namespaces(c, v, s) < 0)
		return -EINVAL;
	if ((v = get(o, "uidMappings")) &&
	    parse_idmaps(c, v, "linux.uidMappings", &s->uid_mappings, &s->n_uid_mappings) < 0)
		return -EINVAL;
	if ((v = get(o, "gidMappings")) &&
	    parse_idmaps(c, v, "linux.gidMappings", &s->gid_mappings, &s->n_gid_mappings) < 0)
		return -EINVAL;
	if ((v = get(o, "devices")) && parse_devices(c, v, s) < 0)
		return -EINVAL;
	if ((v = get(o, "resources")) && parse_resources(c, v, &s->resources) < 0)
		return -EINVAL;
	if (get_str(c, o, "cgroupsPath", "linux.cgroupsPath", &s->cgroups_path) < 0 ||
	    get_map(c, o, "sysctl", "linux.sysctl", &s->sysctl) < 0 ||
	    get_strv(c, o, "maskedPaths", "linux.maskedPaths", &s->masked_paths) < 0 ||
	    get_strv(c, o, "readonlyPaths", "linux.readonlyPaths", &s->readonly_paths) < 0 ||
	    get_str(c, o, "rootfsPropagation", "linux.rootfsPropagation", &s->rootfs_propagation) <
		    0 ||
	    get_str(c, o, "mountLabel", "linux.mountLabel", &s->mount_label) < 0)
		return -EINVAL;
	if ((v = get(o, "seccomp")) && oci_seccomp_from_json(c->file, v, &s->seccomp) < 0)
		return -EINVAL;
	if (s->rootfs_propagation && strcmp(s->rootfs_propagation, "private") &&
	    strcmp(s->rootfs_propagation, "rprivate") && strcmp(s->rootfs_propagation, "slave") &&
	    strcmp(s->rootfs_propagation, "rslave") && strcmp(s->rootfs_propagation, "shared") &&
	    strcmp(s->rootfs_propagation, "rshared") &&
	    strcmp(s->rootfs_propagation, "unbindable") &&
	    strcmp(s->rootfs_propagation, "runbindable"))
		return perr(c, "linux.rootfsPropagation", "unknown propagation \"%s\"",
			    s->rootfs_propagation);
	return 0;
}

/* ---- the whole config ---- */

const char *oci_annotation(const struct oci_spec *s, const char *key)
{
	for (size_t i = 0; s->annotations && s->annotations[i]; i += 2)
		if (!strcmp(s->annotations[i], key))
			return s->annotations[i + 1];
	return NULL;
}

/* An init that needs what systemd needs (tmpfs /run, a delegated cgroup2,
 * container=, SIGRTMIN+3 to halt). */
static bool is_init(const char *arg0)
{
	const char *base = strrchr(arg0, '/');

	base = base ? base + 1 : arg0;
	return !strcmp(arg0, "/sbin/init") || !strcmp(base, "systemd") || !strcmp(arg0, "/init");
}

static int parse_root(const struct pctx *c, struct json_object *o, const char *bundle,
		      struct oci_spec *s)
{
	_cleanup_free_ char *path = NULL;

	if (want(c, o, json_type_object, "root") < 0 ||
	    get_str(c, o, "path", "root.path", &path) < 0 ||
	    get_bool(c, o, "readonly", "root.readonly", &s->root_readonly) < 0)
		return -EINVAL;
	if (!path || !*path)
		return perr(c, "root.path", "%s", "missing");
	if (path[0] == '/' || !bundle)
		s->root_path = TAKE_PTR(path);
	else if (!strcmp(path, "."))
		s->root_path = strdup(bundle);
	else
		s->root_path = str_printf("%s/%s", bundle, path);
	if (!s->root_path)
		return -ENOMEM;
	/* without trailing slashes or "/." */
	for (size_t n = strlen(s->root_path); n > 1;) {
		if (s->root_path[n - 1] == '/')
			s->root_path[--n] = '\0';
		else if (n > 2 && !strcmp(s->root_path + n - 2, "/."))
			s->root_path[n -= 2] = '\0';
		else
			break;
	}
	return 0;
}

static int parse_spec(const struct pctx *c, struct json_object *o, const char *bundle,
		      struct oci_spec *s)
{
	struct json_object *v;
	const char *sys;

	if (want(c, o, json_type_object, "the top level") < 0)
		return -EINVAL;
	if (get_str(c, o, "ociVersion", "ociVersion", &s->oci_version) <= 0)
		return perr(c, "ociVersion", "%s", "missing");
	if (strncmp(s->oci_version, "1.", 2))
		return perr(c, "ociVersion", "\"%s\" is not a 1.x version", s->oci_version);
	if (!(v = get(o, "root")))
		return perr(c, "root", "%s", "missing");
	if (parse_root(c, v, bundle, s) < 0)
		return -EINVAL;
	if ((v = get(o, "process"))) {
		s->has_process = true;
		if (parse_process(c, v, &s->process) < 0)
			return -EINVAL;
	}
	if (get_str(c, o, "hostname", "hostname", &s->hostname) < 0 ||
	    get_str(c, o, "domainname", "domainname", &s->domainname) < 0 ||
	    get_map(c, o, "annotations", "annotations", &s->annotations) < 0)
		return -EINVAL;
	if ((v = get(o, "mounts")) && parse_mounts(c, v, s) < 0)
		return -EINVAL;
	if ((v = get(o, "hooks")) && parse_hooks(c, v, &s->hooks) < 0)
		return -EINVAL;
	if ((v = get(o, "linux")) && parse_linux(c, v, s) < 0)
		return -EINVAL;
	sys = oci_annotation(s, OCI_SYSTEM_ANNOTATION);
	if (sys && strcmp(sys, "true") && strcmp(sys, "false"))
		return perr(c, "annotations." OCI_SYSTEM_ANNOTATION, "\"%s\" must be true or false",
			    sys);
	s->system_container =
		sys ? !strcmp(sys, "true") : s->has_process && is_init(s->process.args[0]);
	if (s->system_container && !oci_spec_namespace(s, CLONE_NEWNS))
		return perr(c, "linux.namespaces", "%s",
			    "a system container needs its own mount namespace");
	return 0;
}

static struct json_object *parse_text(const char *file, const char *text)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o;
	size_t len = strlen(text);

	if (!tok)
		return NULL;
	o = json_tokener_parse_ex(tok, text, (int)len);
	if (!o || json_tokener_get_parse_end(tok) < len) {
		enum json_tokener_error e = json_tokener_get_error(tok);

		if (o && e == json_tokener_success) {
			/* trailing text: only whitespace is fine */
			for (size_t i = json_tokener_get_parse_end(tok); i < len; i++)
				if (!strchr(" \t\r\n", text[i])) {
					log_error("%s: not valid JSON: text after the end", file);
					json_object_put(o);
					o = NULL;
					break;
				}
		} else {
			if (e == json_tokener_continue)
				log_error("%s: not valid JSON: it ends too early", file);
			else
				log_error("%s: not valid JSON: %s (at byte %zu)", file,
					  json_tokener_error_desc(e),
					  json_tokener_get_parse_end(tok));
			json_object_put(o);
			o = NULL;
		}
	}
	json_tokener_free(tok);
	return o;
}

int oci_spec_parse(const char *file, const char *text, const char *bundle, struct oci_spec **ret)
{
	_cleanup_(oci_spec_freep) struct oci_spec *s = calloc(1, sizeof(*s));
	struct pctx c = {.file = file};
	struct json_object *o;
	int r;

	if (!s)
		return -ENOMEM;
	o = parse_text(file, text);
	if (!o)
		return -EINVAL;
	r = parse_spec(&c, o, bundle, s);
	json_object_put(o);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(s);
	return 0;
}

int oci_process_parse(const char *file, const char *text, struct oci_process *ret)
{
	struct pctx c = {.file = file};
	struct json_object *o = parse_text(file, text);
	int r;

	if (!o)
		return -EINVAL;
	*ret = (struct oci_process){0};
	r = parse_process(&c, o, ret);
	json_object_put(o);
	if (r < 0)
		oci_process_done(ret);
	return r;
}

int oci_spec_load_from(const char *dir, const char *bundle, const char *what, struct oci_spec **ret)
{
	_cleanup_free_ char *path = str_printf("%s/config.json", dir);
	_cleanup_free_ char *text = NULL;
	int r;

	if (!path)
		return -ENOMEM;
	r = fileio_read_at(AT_FDCWD, path, &text, NULL);
	if (r < 0)
		return log_error_errno(r, "cannot read %s%s: %m", what, path);
	return oci_spec_parse(path, text, bundle, ret);
}

int oci_spec_load(const char *bundle, struct oci_spec **ret)
{
	return oci_spec_load_from(bundle, bundle, "the bundle's config ", ret);
}

void oci_spec_free(struct oci_spec *s)
{
	if (!s)
		return;
	free(s->oci_version);
	oci_process_done(&s->process);
	free(s->root_path);
	free(s->hostname);
	free(s->domainname);
	for (size_t i = 0; i < s->n_mounts; i++) {
		free(s->mounts[i].destination);
		free(s->mounts[i].type);
		free(s->mounts[i].source);
		strv_free(s->mounts[i].options);
		free(s->mounts[i].data);
	}
	free(s->mounts);
	hooks_done(&s->hooks);
	strv_free(s->annotations);
	for (size_t i = 0; i < s->n_namespaces; i++)
		free(s->namespaces[i].path);
	free(s->namespaces);
	free(s->uid_mappings);
	free(s->gid_mappings);
	free(s->cgroups_path);
	oci_resources_done(&s->resources);
	for (size_t i = 0; i < s->n_devices; i++)
		free(s->devices[i].path);
	free(s->devices);
	strv_free(s->sysctl);
	strv_free(s->masked_paths);
	strv_free(s->readonly_paths);
	free(s->rootfs_propagation);
	free(s->mount_label);
	seccomp_profile_free(s->seccomp);
	free(s);
}

int oci_signal_parse(const char *s)
{
	char *end;
	long n;
	int sig;

	if (!s || !*s)
		return -EINVAL;
	if (s[0] >= '0' && s[0] <= '9') {
		errno = 0;
		n = strtol(s, &end, 10);
		if (errno || *end || n < 1 || n > SIGRTMAX)
			return -EINVAL;
		return (int)n;
	}
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	sig = conf_signal_by_name(s);
	if (sig > 0)
		return sig;
	if (!strncasecmp(s, "RTMIN", 5) || !strncasecmp(s, "RTMAX", 5)) {
		bool max = !strncasecmp(s, "RTMAX", 5);
		long off = 0;

		if (s[5]) {
			errno = 0;
			off = strtol(s + 5, &end, 10);
			if (errno || *end)
				return -EINVAL;
		}
		n = (max ? SIGRTMAX : SIGRTMIN) + off;
		if (n < SIGRTMIN || n > SIGRTMAX)
			return -EINVAL;
		return (int)n;
	}
	return -EINVAL;
}
