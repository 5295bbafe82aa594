/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reading, validating and merging config files, and filling the structs. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "config/cross-checks.h"
#include "config/diag.h"
#include "config/schema.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/strv.h"

static const char *expected_name(const struct conf_key *k)
{
	switch (k->type) {
	case CT_GROUP:
		return "a group { ... }";
	case CT_LIST:
		return "a list of groups ( { ... }, ... )";
	case CT_STRING:
		return "a string";
	case CT_SCALAR:
		return "a string or an integer";
	case CT_INT:
		return "an integer";
	case CT_BOOL:
		return "a boolean";
	case CT_SIZE:
		return "a size (an integer or a string like \"512M\")";
	case CT_COUNT:
		return "an integer or \"max\"";
	case CT_SIGNAL:
		return "a signal (a name like \"SIGTERM\" or a number)";
	case CT_STRV:
		return "an array of strings";
	case CT_LIMIT:
		return "a limit (an integer or a string)";
	}
	return "a value";
}

static bool is_int(const config_setting_t *s)
{
	return config_setting_type(s) == CONFIG_TYPE_INT ||
	       config_setting_type(s) == CONFIG_TYPE_INT64;
}

static bool is_string(const config_setting_t *s)
{
	return config_setting_type(s) == CONFIG_TYPE_STRING;
}

static void type_error(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
		       const char *disp)
{
	conf_error(ctx, s, disp, "expected %s, got %s", expected_name(k),
		   conf_setting_type_name(s));
}

static void check_string(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
			 const char *disp, const char *str)
{
	char reason[512];

	if (k->choices) {
		char list[256] = "";
		for (const char *const *c = k->choices; *c; c++) {
			if (strcmp(*c, str) == 0)
				return;
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
				 c == k->choices ? "" : ", ", *c);
		}
		conf_error(ctx, s, disp, "invalid value \"%s\" (expected one of: %s)", str, list);
		return;
	}
	if (k->check && k->check(str, reason, sizeof(reason)) < 0)
		conf_error(ctx, s, disp, "%s", reason);
}

static void check_range(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
			const char *disp, long long v)
{
	if (k->min < k->max && (v < k->min || v > k->max))
		conf_error(ctx, s, disp, "value %lld out of range (%lld to %lld)", v,
			   (long long)k->min, (long long)k->max);
	else if (k->min >= k->max && v < k->min)
		conf_error(ctx, s, disp, "value %lld is too small (at least %lld)", v,
			   (long long)k->min);
}

static void check_size(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
		       const char *disp)
{
	uint64_t v;
	char a[32], b[32], c[32];

	if (is_int(s)) {
		if (config_setting_get_int64(s) < 0) {
			conf_error(ctx, s, disp, "negative size %lld", config_setting_get_int64(s));
			return;
		}
		v = (uint64_t)config_setting_get_int64(s);
	} else if (conf_parse_size(config_setting_get_string(s), &v) < 0) {
		conf_error(ctx, s, disp,
			   "invalid size \"%s\" (use a number with optional K, M, G, T)",
			   config_setting_get_string(s));
		return;
	}
	if (v == CONF_UNLIMITED && !(k->flags & CK_MAX)) {
		conf_error(ctx, s, disp, "\"max\" is not allowed here");
		return;
	}
	if (v != CONF_UNLIMITED && k->min < k->max &&
	    (v < (uint64_t)k->min || v > (uint64_t)k->max)) {
		conf_format_size(v, a, sizeof(a));
		conf_format_size((uint64_t)k->min, b, sizeof(b));
		conf_format_size((uint64_t)k->max, c, sizeof(c));
		conf_error(ctx, s, disp, "size %s out of range (%s to %s)", a, b, c);
	}
}

static void check_strv(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
		       const char *disp)
{
	unsigned n = (unsigned)config_setting_length(s);
	unsigned before = ctx->n_errors;
	char reason[512];

	for (unsigned i = 0; i < n; i++) {
		config_setting_t *e = config_setting_get_elem(s, i);
		if (!is_string(e))
			conf_error(ctx, e, disp, "expected an array of strings, element %u is %s",
				   i, conf_setting_type_name(e));
		else
			check_string(ctx, k, e, disp, config_setting_get_string(e));
	}
	if (ctx->n_errors == before && k->check_all && k->check_all(s, reason, sizeof(reason)) < 0)
		conf_error(ctx, s, disp, "%s", reason);
}

static void check_leaf(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
		       const char *disp)
{
	const char *str = is_string(s) ? config_setting_get_string(s) : NULL;
	char reason[512];
	int sig;

	switch (k->type) {
	case CT_STRING:
		if (!str)
			return type_error(ctx, k, s, disp);
		return check_string(ctx, k, s, disp, str);
	case CT_SCALAR:
		if (!str && !is_int(s))
			return type_error(ctx, k, s, disp);
		return;
	case CT_INT:
		if (!is_int(s))
			return type_error(ctx, k, s, disp);
		return check_range(ctx, k, s, disp, config_setting_get_int64(s));
	case CT_BOOL:
		if (config_setting_type(s) != CONFIG_TYPE_BOOL)
			return type_error(ctx, k, s, disp);
		return;
	case CT_SIZE:
		if (!str && !is_int(s))
			return type_error(ctx, k, s, disp);
		return check_size(ctx, k, s, disp);
	case CT_COUNT:
		if (is_int(s))
			return check_range(ctx, k, s, disp, config_setting_get_int64(s));
		if (!str)
			return type_error(ctx, k, s, disp);
		if (strcmp(str, "max") != 0)
			conf_error(ctx, s, disp,
				   "invalid value \"%s\" (expected an integer or \"max\")", str);
		return;
	case CT_SIGNAL:
		if (is_int(s) && config_setting_get_int64(s) >= 1 &&
		    config_setting_get_int64(s) <= SIGRTMAX)
			return;
		if (!str && !is_int(s))
			return type_error(ctx, k, s, disp);
		if (!str || conf_parse_signal(str, &sig) < 0)
			conf_error(ctx, s, disp,
				   "invalid signal %s%s%s (e.g. \"SIGTERM\", \"SIGRTMIN+3\" or a "
				   "number)",
				   str ? "\"" : "", str ? str : "number", str ? "\"" : "");
		return;
	case CT_STRV:
		if (config_setting_type(s) != CONFIG_TYPE_ARRAY &&
		    config_setting_type(s) != CONFIG_TYPE_LIST)
			return type_error(ctx, k, s, disp);
		return check_strv(ctx, k, s, disp);
	case CT_LIMIT:
		if (is_int(s)) {
			if (config_setting_get_int64(s) < 0)
				conf_error(ctx, s, disp, "negative limit");
			return;
		}
		if (!str)
			return type_error(ctx, k, s, disp);
		if (conf_check_limit(str, reason, sizeof(reason)) < 0)
			conf_error(ctx, s, disp, "%s", reason);
		return;
	case CT_GROUP:
	case CT_LIST:
		return;
	}
}

static void walk_group(struct conf_ctx *ctx, const struct conf_schema *sc,
		       const config_setting_t *group, const char *prefix, const char *disp)
{
	unsigned n = (unsigned)config_setting_length(group);

	for (unsigned i = 0; i < n; i++) {
		config_setting_t *m = config_setting_get_elem(group, i);
		const char *name = config_setting_name(m);
		_cleanup_free_ char *path =
			*prefix ? str_printf("%s.%s", prefix, name) : strdup(name);
		_cleanup_free_ char *d = *disp ? str_printf("%s.%s", disp, name) : strdup(name);
		const struct conf_key *k;
		const char *sugg;

		if (!path || !d) {
			conf_error(ctx, m, name, "out of memory");
			return;
		}
		k = conf_schema_find(sc, path);
		if (!k) {
			sugg = conf_schema_suggest(sc, path);
			if (sugg)
				conf_error(ctx, m, d, "unknown key (did you mean \"%s\"?)", sugg);
			else
				conf_error(ctx, m, d, "unknown key");
			continue;
		}
		conf_validate_setting(ctx, sc, k, m, d);
	}
}

static void check_list_item(struct conf_ctx *ctx, const struct conf_schema *sc,
			    const struct conf_key *k, const config_setting_t *item,
			    const char *disp)
{
	size_t n = strlen(k->path);

	if (!config_setting_is_group(item)) {
		conf_error(ctx, item, disp, "expected a group { ... }, got %s",
			   conf_setting_type_name(item));
		return;
	}
	walk_group(ctx, sc, item, k->path, disp);
	for (size_t i = 0; i < sc->n_keys; i++) {
		const struct conf_key *c = &sc->keys[i];
		if ((c->flags & CK_REQUIRED) && strncmp(c->path, k->path, n) == 0 &&
		    c->path[n] == '.' && !config_setting_get_member(item, c->path + n + 1))
			conf_error(ctx, item, disp, "missing required key \"%s\"", c->path + n + 1);
	}
}

void conf_validate_setting(struct conf_ctx *ctx, const struct conf_schema *sc,
			   const struct conf_key *k, const config_setting_t *s, const char *disp)
{
	unsigned before = ctx->n_errors, n;

	if (k->type == CT_GROUP) {
		if (!config_setting_is_group(s))
			return type_error(ctx, k, s, disp);
		return walk_group(ctx, sc, s, k->path, disp);
	}
	if (k->type != CT_LIST)
		return check_leaf(ctx, k, s, disp);
	n = (unsigned)config_setting_length(s);
	if (!config_setting_is_list(s) && !(config_setting_is_array(s) && n == 0))
		return type_error(ctx, k, s, disp);
	for (unsigned i = 0; i < n; i++) {
		char d[128];
		snprintf(d, sizeof(d), "%s[%u]", disp, i);
		check_list_item(ctx, sc, k, config_setting_get_elem(s, i), d);
	}
	if (ctx->n_errors == before && k->check_list)
		k->check_list(ctx, s, disp);
}

static bool strv_setting_nonempty(const config_setting_t *s)
{
	return s && config_setting_is_aggregate(s) && config_setting_length(s) > 0;
}

int conf_validate_tree(const struct conf_schema *sc, config_setting_t *root, const char *file)
{
	struct conf_ctx ctx = {.file = file};
	config_setting_t *drop, *keep;

	walk_group(&ctx, sc, root, "", "");
	drop = conf_tree_lookup(root, "capabilities.drop");
	keep = conf_tree_lookup(root, "capabilities.keep");
	if (sc == &conf_schema_container && strv_setting_nonempty(drop) &&
	    strv_setting_nonempty(keep))
		conf_error(&ctx, keep, "capabilities.keep",
			   "\"drop\" and \"keep\" are mutually exclusive");
	if (sc == &conf_schema_container && ctx.n_errors == 0)
		conf_check_sysctl_netns(&ctx, conf_tree_lookup(root, "sysctl"),
					conf_tree_lookup(root, "network"));
	return ctx.n_errors ? -EINVAL : 0;
}

config_setting_t *conf_tree_lookup(config_setting_t *root, const char *path)
{
	config_setting_t *s = root;
	const char *p = path;

	while (s && *p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		char name[128];

		if (!config_setting_is_group(s) || n >= sizeof(name))
			return NULL;
		memcpy(name, p, n);
		name[n] = '\0';
		s = config_setting_get_member(s, name);
		p += n + (dot ? 1 : 0);
	}
	return s;
}

config_setting_t *conf_view_lookup(const struct conf_view *v, const char *path, int *ret_which)
{
	for (int i = 2; i >= 0; i--) {
		config_setting_t *s;
		if (!v->cfg[i])
			continue;
		s = conf_tree_lookup(config_root_setting(v->cfg[i]), path);
		if (s) {
			if (ret_which)
				*ret_which = i;
			return s;
		}
	}
	return NULL;
}

/* Every setting under g (at path prefix) is a fact or a group on the way
 * to one. */
static void check_facts_group(struct conf_ctx *ctx, const config_setting_t *g, const char *prefix)
{
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
		_cleanup_free_ char *path =
			*prefix ? str_printf("%s.%s", prefix, config_setting_name(m))
				: strdup(config_setting_name(m));
		size_t n = path ? strlen(path) : 0;
		bool above = false;

		if (!path) {
			conf_error(ctx, m, prefix, "out of memory");
			return;
		}
		if (conf_key_is_fact(path))
			continue;
		for (const char *const *f = conf_fact_keys(); *f; f++)
			above |= strncmp(*f, path, n) == 0 && (*f)[n] == '.';
		if (above && config_setting_is_group(m))
			check_facts_group(ctx, m, path);
		else
			conf_error(ctx, m, path,
				   "not a fact sysc records: it belongs in the container's config");
	}
}

int conf_check_facts_only(const config_setting_t *root, const char *file)
{
	struct conf_ctx ctx = {.file = file};

	check_facts_group(&ctx, root, "");
	return ctx.n_errors ? -EINVAL : 0;
}

int conf_view_validate(const struct conf_view *v, bool require_name)
{
	struct conf_ctx ctx = {.file = v->file[1]};
	int r = 0;

	for (int i = 0; i < 3; i++)
		if (v->cfg[i] &&
		    conf_validate_tree(v->schema, config_root_setting(v->cfg[i]), v->file[i]) < 0)
			r = -EINVAL;
	if (v->cfg[2] && conf_check_facts_only(config_root_setting(v->cfg[2]), v->file[2]) < 0)
		r = -EINVAL;
	if (require_name && !conf_view_lookup(v, "name", NULL))
		conf_error(&ctx, NULL, "name", "missing required key");
	/* each file was checked on its own: here the two merged */
	if (r == 0 && v->schema == &conf_schema_container) {
		conf_check_sysctl_netns(&ctx, conf_view_lookup(v, "sysctl", NULL),
					conf_view_lookup(v, "network", NULL));
		conf_check_ports(&ctx, conf_view_lookup(v, "ports", NULL),
				 conf_view_lookup(v, "network", NULL));
	}
	return ctx.n_errors ? -EINVAL : r;
}

void conf_config_init(config_t *cfg)
{
	config_init(cfg);
	config_set_options(cfg, CONFIG_OPTION_SEMICOLON_SEPARATORS);
}

/* "memory.max = VALUE" -> "memory = { max = VALUE; };" (NULL if line is
 * not a dotted name followed by '=' or ':'). */
char *conf_dotted_key_nested(const char *line)
{
	const char *p = line + strspn(line, " \t"), *name = p, *v, *end;
	_cleanup_free_ char *value = NULL;
	char *s = NULL, *n;
	bool dotted = false;

	while (*p && (isalnum((unsigned char)*p) || strchr("_-*.", *p)))
		dotted |= *p++ == '.';
	v = p + strspn(p, " \t");
	if (!dotted || (*v != '=' && *v != ':') || p == name || *name == '.' || p[-1] == '.')
		return NULL;
	v++;
	v += strspn(v, " \t");
	end = v + strlen(v);
	while (end > v && strchr(" \t\r\n;,", end[-1]))
		end--;
	value = strndup(v, (size_t)(end - v));
	if (!value)
		return NULL;
	/* from the last component outwards */
	for (size_t i = (size_t)(p - name) + 1; i-- > 0;) {
		const char *q = name + i;
		if (i > 0 && q[-1] != '.')
			continue;
		const char *seg_end = strchr(q, '.');
		int len = (int)((seg_end && seg_end < p ? seg_end : p) - q);
		n = s ? str_printf("%.*s = { %s };", len, q, s)
		      : str_printf("%.*s = %s;", len, q, value);
		free(s);
		if (!n)
			return NULL;
		s = n;
	}
	return s;
}

/* After a syntax error at file:line: a dotted name there gets the nested
 * form to write instead (libconfig names cannot contain dots). */
static void dotted_key_hint(const char *file, int line)
{
	_cleanup_free_ char *text = NULL, *nested = NULL;
	const char *l;
	size_t len;

	if (line < 1 || fileio_read_at(AT_FDCWD, file, &text, &len) < 0)
		return;
	l = text;
	for (int i = 1; i < line && l; i++)
		if ((l = strchr(l, '\n')))
			l++;
	if (!l)
		return;
	*strchrnul(l, '\n') = '\0';
	nested = conf_dotted_key_nested(l);
	if (nested)
		log_error("%s:%d: a setting name cannot contain dots inside a file; write the "
			  "nested form: %s",
			  file, line, nested);
}

int conf_read_file(config_t *cfg, const char *file)
{
	conf_config_init(cfg);
	if (access(file, R_OK) < 0) {
		int r = negative_errno();
		if (r == -ENOENT)
			return r;
		return log_error_errno(r, "%s: cannot read: %m", file);
	}
	if (!config_read_file(cfg, file)) {
		if (config_error_type(cfg) == CONFIG_ERR_FILE_IO)
			return log_error_errno(-EIO, "%s: cannot read", file);
		log_error("%s:%d: %s", config_error_file(cfg) ? config_error_file(cfg) : file,
			  config_error_line(cfg), config_error_text(cfg));
		dotted_key_hint(config_error_file(cfg) ? config_error_file(cfg) : file,
				config_error_line(cfg));
		return -EINVAL;
	}
	return 0;
}

config_setting_t *conf_parse_value(config_t *cfg, const char *text, const char *key)
{
	_cleanup_free_ char *s = str_printf("v = %s;", text);
	config_setting_t *root;

	conf_config_init(cfg);
	if (!s) {
		log_error("%s: out of memory", key);
		return NULL;
	}
	if (!config_read_string(cfg, s)) {
		log_error("%s: syntax error in value '%s'", key, text);
		return NULL;
	}
	root = config_root_setting(cfg);
	if (config_setting_length(root) != 1) {
		log_error("%s: syntax error in value '%s'", key, text);
		return NULL;
	}
	return config_setting_get_member(root, "v");
}

/* ---- filling the structs ---- */

#define FIELD(base, off, T) ((T *)((char *)(base) + (off)))

static int setting_to_string(const config_setting_t *s, char **ret)
{
	char *v = is_string(s) ? strdup(config_setting_get_string(s))
			       : str_printf("%lld", config_setting_get_int64(s));
	if (!v)
		return -ENOMEM;
	*ret = v;
	return 0;
}

static int fill_strv(const struct conf_key *k, const config_setting_t *s, char ***ret)
{
	unsigned n = s ? (unsigned)config_setting_length(s) : 0;
	_cleanup_strv_ char **v = calloc(n + 1, sizeof(char *));
	bool caps = k->check == conf_check_cap;

	if (!v)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++) {
		const char *e = config_setting_get_string_elem(s, i);
		int r = caps ? conf_parse_cap(e, &v[i]) : ((v[i] = strdup(e)) ? 0 : -ENOMEM);
		if (r < 0)
			return r;
	}
	strv_free(*ret);
	*ret = TAKE_PTR(v);
	return 0;
}

static uint64_t setting_u64(const config_setting_t *s)
{
	uint64_t v = 0;

	if (is_int(s))
		return (uint64_t)config_setting_get_int64(s);
	if (strcmp(config_setting_get_string(s), "max") == 0)
		return CONF_UNLIMITED;
	(void)conf_parse_size(config_setting_get_string(s), &v); /* validated */
	return v;
}

static int fill_limit(struct sysc_conf *c, const struct conf_key *k, const config_setting_t *s)
{
	struct conf_limit *l = reallocarray(c->limits, c->n_limits + 1, sizeof(*l));
	uint64_t soft, hard;

	if (!l)
		return -ENOMEM;
	c->limits = l;
	if (is_int(s))
		soft = hard = (uint64_t)config_setting_get_int64(s);
	else if (conf_parse_limit(config_setting_get_string(s), &soft, &hard) < 0)
		return -EINVAL;
	l[c->n_limits] = (struct conf_limit){
		.name = strdup(strrchr(k->path, '.') + 1), .soft = soft, .hard = hard};
	if (!l[c->n_limits].name)
		return -ENOMEM;
	c->n_limits++;
	return 0;
}

static int fill_list(const struct conf_schema *sc, const struct conf_key *k,
		     const config_setting_t *s, void *base);

static int fill_value(const struct conf_schema *sc, const struct conf_key *k,
		      const config_setting_t *s, void *base)
{
	int sig = 0;

	switch (k->store) {
	case ST_STR:
		free(*FIELD(base, k->off, char *));
		return setting_to_string(s, FIELD(base, k->off, char *));
	case ST_STRV:
		return fill_strv(k, s, FIELD(base, k->off, char **));
	case ST_BOOL:
		*FIELD(base, k->off, bool) = config_setting_get_bool(s);
		return 0;
	case ST_INT:
		if (k->type == CT_SIGNAL && is_string(s))
			(void)conf_parse_signal(config_setting_get_string(s), &sig);
		else
			sig = (int)config_setting_get_int64(s);
		*FIELD(base, k->off, int) = sig;
		return 0;
	case ST_UINT:
		*FIELD(base, k->off, unsigned) = (unsigned)config_setting_get_int64(s);
		return 0;
	case ST_U32:
		*FIELD(base, k->off, uint32_t) = (uint32_t)config_setting_get_int64(s);
		return 0;
	case ST_U64:
		*FIELD(base, k->off, uint64_t) = setting_u64(s);
		return 0;
	case ST_KIND:
		*FIELD(base, k->off, char) = config_setting_get_string(s)[0];
		return 0;
	case ST_CPUMAX: {
		struct sysc_conf *c = base;
		return conf_parse_cpumax(config_setting_get_string(s), &c->cgroup.cpu_max_quota,
					 &c->cgroup.cpu_max_period);
	}
	case ST_LIMIT:
		return fill_limit(base, k, s);
	case ST_LIST:
		return fill_list(sc, k, s, base);
	case ST_NONE:
		return 0;
	}
	return 0;
}

/* Fill key k from s, or from its default when s is NULL. */
static int fill_key(const struct conf_schema *sc, const struct conf_key *k,
		    const config_setting_t *s, void *base)
{
	config_t tmp;
	int r;

	if (s)
		return fill_value(sc, k, s, base);
	if (k->store == ST_U64)
		*FIELD(base, k->off, uint64_t) = CONF_UNSET;
	if (k->store == ST_CPUMAX) {
		((struct sysc_conf *)base)->cgroup.cpu_max_quota = CONF_UNSET;
		((struct sysc_conf *)base)->cgroup.cpu_max_period = 100000;
	}
	if (!k->def)
		return 0;
	s = conf_parse_value(&tmp, k->def, k->path);
	r = s ? fill_value(sc, k, s, base) : -EINVAL;
	config_destroy(&tmp);
	return r;
}

static bool is_child(const struct conf_key *parent, const struct conf_key *k)
{
	size_t n = strlen(parent->path);
	return strncmp(k->path, parent->path, n) == 0 && k->path[n] == '.';
}

static int fill_list(const struct conf_schema *sc, const struct conf_key *k,
		     const config_setting_t *s, void *base)
{
	unsigned n = (unsigned)config_setting_length(s);
	char *items = n ? calloc(n, k->item_size) : NULL;
	size_t plen = strlen(k->path) + 1;

	if (n && !items)
		return -ENOMEM;
	*FIELD(base, k->off, void *) = items;
	*FIELD(base, k->off_n, size_t) = n;
	for (unsigned i = 0; i < n; i++) {
		config_setting_t *item = config_setting_get_elem(s, i);
		for (const struct conf_key *c = k + 1; c < sc->keys + sc->n_keys && is_child(k, c);
		     c++) {
			int r = fill_key(sc, c, config_setting_get_member(item, c->path + plen),
					 items + i * k->item_size);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int fill_all(const struct conf_view *v, void *base)
{
	const struct conf_schema *sc = v->schema;

	for (size_t i = 0; i < sc->n_keys; i++) {
		const struct conf_key *k = &sc->keys[i];
		int r;
		if (k->type == CT_GROUP || conf_schema_list_parent(sc, k->path))
			continue;
		if (k->type == CT_LIST && !conf_view_lookup(v, k->path, NULL))
			continue;
		r = fill_key(sc, k, conf_view_lookup(v, k->path, NULL), base);
		if (r < 0)
			return r;
	}
	return 0;
}

static void free_keys(const struct conf_schema *sc, const struct conf_key *parent, void *base);

static void free_list(const struct conf_schema *sc, const struct conf_key *k, void *base)
{
	char *items = *FIELD(base, k->off, char *);
	size_t n = *FIELD(base, k->off_n, size_t);

	for (size_t i = 0; i < n; i++)
		free_keys(sc, k, items + i * k->item_size);
	free(items);
}

/* Free the fields of the keys directly stored in base: the children of
 * parent (a list), or every key outside lists when parent is NULL. */
static void free_keys(const struct conf_schema *sc, const struct conf_key *parent, void *base)
{
	for (size_t i = 0; i < sc->n_keys; i++) {
		const struct conf_key *k = &sc->keys[i];
		if (parent ? !is_child(parent, k) : conf_schema_list_parent(sc, k->path) != NULL)
			continue;
		if (k->store == ST_STR)
			free(*FIELD(base, k->off, char *));
		else if (k->store == ST_STRV)
			strv_free(*FIELD(base, k->off, char **));
		else if (k->store == ST_LIST)
			free_list(sc, k, base);
	}
}

void conf_free(struct sysc_conf *conf)
{
	if (!conf)
		return;
	free_keys(&conf_schema_container, NULL, conf);
	for (size_t i = 0; i < conf->n_limits; i++)
		free(conf->limits[i].name);
	free(conf->limits);
	free(conf->file);
	free(conf);
}

/* drop and keep from different files: the container file's one wins. */
static int resolve_caps(const struct conf_view *v, struct sysc_conf *c)
{
	int wd = 0, wk = 0;

	if (!strv_length(c->capabilities.drop) || !strv_length(c->capabilities.keep))
		return 0;
	(void)conf_view_lookup(v, "capabilities.drop", &wd);
	(void)conf_view_lookup(v, "capabilities.keep", &wk);
	char ***loser = wd < wk ? &c->capabilities.drop : &c->capabilities.keep;
	log_debug("capabilities.%s from %s ignored: the other is set in %s",
		  wd < wk ? "drop" : "keep", v->file[0], v->file[1]);
	strv_free(*loser);
	*loser = calloc(1, sizeof(char *));
	return *loser ? 0 : -ENOMEM;
}

/* security.nesting: /dev/fuse and /dev/net/tun, made and allowed as
 * devices.create entries are (unless the config makes those paths itself). */
static const char *const nesting_nodes[] = {"/dev/fuse c 10:229 0666",
					    "/dev/net/tun c 10:200 0666"};

bool conf_nesting_device(const struct sysc_conf *c, const char *entry)
{
	for (size_t i = 0; c->security.nesting && i < ARRAY_SIZE(nesting_nodes); i++)
		if (strcmp(entry, nesting_nodes[i]) == 0)
			return true;
	return false;
}

static int nesting_devices(struct sysc_conf *c)
{
	const char *const *nodes = nesting_nodes;

	if (!c->security.nesting)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(nesting_nodes); i++) {
		size_t len = strcspn(nodes[i], " ");
		bool have = false;
		for (size_t k = 0; c->devices.create && c->devices.create[k]; k++)
			have = have || (strncmp(c->devices.create[k], nodes[i], len) == 0 &&
					c->devices.create[k][len] == ' ');
		if (!have && strv_push(&c->devices.create, nodes[i]) < 0)
			return -ENOMEM;
	}
	return 0;
}

int conf_view_fill(const struct conf_view *v, struct sysc_conf **ret)
{
	_cleanup_(conf_freep) struct sysc_conf *c = calloc(1, sizeof(*c));
	int r;

	if (!c)
		return -ENOMEM;
	r = fill_all(v, c);
	if (r < 0)
		return r;
	if (!c->hostname && c->name && !(c->hostname = conf_hostname_from_name(c->name)))
		return -ENOMEM;
	c->oom_score_adj_set = conf_view_lookup(v, "oom_score_adj", NULL) != NULL;
	r = resolve_caps(v, c);
	if (r == 0)
		r = nesting_devices(c);
	if (r < 0)
		return r;
	if (v->file[1] && !(c->file = strdup(v->file[1])))
		return -ENOMEM;
	*ret = TAKE_PTR(c);
	return 0;
}

DEFINE_CLEANUP_FUNC(config_t *, config_destroy)

int conf_view_open(struct conf_view *v, config_t cfg[3], const char *default_file, const char *file,
		   const char *facts_file)
{
	int r = 0, q;

	*v = (struct conf_view){.schema = &conf_schema_container,
				.file = {default_file, file, facts_file}};
	if (default_file)
		r = conf_read_file(&cfg[0], default_file);
	else
		conf_config_init(&cfg[0]);
	if (default_file && r == 0)
		v->cfg[0] = &cfg[0];
	if (file) {
		q = conf_read_file(&cfg[1], file);
		if (q == -ENOENT)
			q = log_error_errno(q, "%s: no such file", file);
		r = r < 0 && r != -ENOENT ? r : q;
	} else {
		conf_config_init(&cfg[1]);
		r = r == -ENOENT ? 0 : r;
	}
	if (r == 0)
		v->cfg[1] = &cfg[1];
	/* missing: none recorded yet, or all still in the file (a container
	 * made before facts had a file of their own) */
	if (!facts_file) {
		conf_config_init(&cfg[2]);
		return r;
	}
	q = conf_read_file(&cfg[2], facts_file);
	if (q == 0)
		v->cfg[2] = &cfg[2];
	return r < 0 ? r : q == -ENOENT ? 0 : q;
}

void conf_view_close(config_t cfg[3])
{
	config_destroy(&cfg[0]);
	config_destroy(&cfg[1]);
	config_destroy(&cfg[2]);
}

static int load(const char *default_file, const char *file, const char *facts_file,
		bool require_name, struct sysc_conf **ret)
{
	struct conf_view v;
	config_t cfg[3];
	int r;

	r = conf_view_open(&v, cfg, default_file, file, facts_file);
	if (r == 0)
		r = conf_view_validate(&v, require_name);
	if (r == 0) {
		r = conf_view_fill(&v, ret);
		if (r < 0)
			log_error_errno(r, "%s: %m", file);
	}
	conf_view_close(cfg);
	return r;
}

int conf_load(const char *default_file, const char *file, struct sysc_conf **ret)
{
	return load(default_file, file, NULL, true, ret);
}

int conf_load_facts(const char *default_file, const char *file, const char *facts_file,
		    struct sysc_conf **ret)
{
	return load(default_file, file, facts_file, true, ret);
}

int conf_load_unnamed(const char *default_file, const char *file, struct sysc_conf **ret)
{
	return load(default_file, file, NULL, false, ret);
}

int conf_check_foreign_text(const char *file, const char *text, size_t len)
{
	const char *inc;
	unsigned line = 1;

	if (strlen(text) != len)
		return log_error_errno(-EINVAL, "%s: the config contains a NUL byte", file);
	/* anywhere, not only where libconfig takes it for the directive: no
	 * config written by sysc has it */
	inc = strcasestr(text, "@include");
	if (!inc)
		return 0;
	for (const char *p = text; p < inc; p++)
		line += *p == '\n';
	return log_error_errno(-EPERM,
			       "%s:%u: @include is refused in a config from an archive (it would "
			       "read a file of this host's)",
			       file, line);
}

int conf_check_file(const char *file)
{
	config_t cfg;
	_cleanup_(config_destroyp) config_t *cfgp = NULL;
	int r;

	r = conf_read_file(&cfg, file);
	cfgp = &cfg;
	if (r == -ENOENT)
		return log_error_errno(r, "%s: no such file", file);
	if (r < 0)
		return r;
	return conf_validate_tree(&conf_schema_container, config_root_setting(&cfg), file);
}

void conf_global_free(struct sysc_global *g)
{
	if (!g)
		return;
	free_keys(&conf_schema_global, NULL, g);
	free(g);
}

int conf_global_load(const char *file, struct sysc_global **ret)
{
	config_t cfg;
	_cleanup_(config_destroyp) config_t *cfgp = NULL;
	struct conf_view v = {.schema = &conf_schema_global, .file = {NULL, file}};
	struct sysc_global *g;
	int r;

	r = conf_read_file(&cfg, file);
	cfgp = &cfg;
	if (r < 0 && r != -ENOENT)
		return r;
	v.cfg[1] = r < 0 ? NULL : &cfg;
	if (v.cfg[1] &&
	    conf_validate_tree(&conf_schema_global, config_root_setting(&cfg), file) < 0)
		return -EINVAL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return log_error_errno(-ENOMEM, "out of memory");
	r = fill_all(&v, g);
	if (r < 0) {
		conf_global_free(g);
		return log_error_errno(r, "%s: %m", file);
	}
	*ret = g;
	return 0;
}
