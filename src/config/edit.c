/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Key help, printing the effective config, and editing config files. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "config/schema.h"
#include "config/textedit.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/strv.h"

struct conf_edit {
	const struct conf_schema *schema; /* container or global (sysc.conf) keys */
	config_t cfg;
	char *file;
	char *text;   /* the file's text, edited in place alongside cfg */
	int text_err; /* < 0: an edit the text editor could not make */
};

/* The value of s in libconfig syntax, without "v = " and ";\n". */
static char *render_value(const config_setting_t *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	config_t tmp;

	if (!f)
		return NULL;
	conf_config_init(&tmp);
	if (conf_setting_copy(config_root_setting(&tmp), "v", s))
		config_write(&tmp, f);
	config_destroy(&tmp);
	if (fclose(f) != 0 || len < 6 || strncmp(buf, "v = ", 4) != 0) {
		free(buf);
		return NULL;
	}
	buf[len - 2] = '\0'; /* ";\n" */
	memmove(buf, buf + 4, len - 5);
	/* on one line: a line break and its indentation become one space
	 * (strings hold "\n" escaped) */
	for (char *r = buf, *w = buf;; r++) {
		if (*r == '\n') {
			r += strspn(r + 1, " \t");
			*w++ = ' ';
		} else if (!(*w++ = *r)) {
			break;
		}
	}
	return buf;
}

/* The path of s for the text editor: names, "[N]" for list elements. */
static char **setting_path(const config_setting_t *s)
{
	char **path = NULL;
	size_t n = 0;

	for (; s && config_setting_parent(s); s = config_setting_parent(s)) {
		char **np = realloc(path, (n + 2) * sizeof(*np));
		char *seg;
		if (!np)
			goto fail;
		path = np;
		if (config_setting_name(s))
			seg = strdup(config_setting_name(s));
		else
			seg = str_printf("[%d]", config_setting_index(s));
		if (!seg)
			goto fail;
		memmove(path + 1, path, n * sizeof(*path));
		path[0] = seg;
		path[++n] = NULL;
	}
	if (!path)
		path = calloc(1, sizeof(*path));
	return path;
fail:
	strv_free(path);
	return NULL;
}

/* Make the same change in the text as in the tree: set s (NULL: remove the
 * setting at s_path). A failure is remembered for conf_edit_write(). */
static void text_apply(struct conf_edit *ed, const config_setting_t *s, char **s_path)
{
	_cleanup_strv_ char **path = s ? setting_path(s) : NULL;
	_cleanup_free_ char *value = s ? render_value(s) : NULL;
	int r;

	if (!ed || ed->text_err < 0)
		return;
	if (s && (!path || !value))
		r = -ENOMEM;
	else if (s)
		r = conf_text_set(&ed->text, (const char *const *)path, value);
	else
		r = conf_text_remove(&ed->text, (const char *const *)s_path);
	if (r < 0)
		ed->text_err = r;
}

/* Are a and b the same value (group members in any order)? */
static bool setting_equal(const config_setting_t *a, const config_setting_t *b)
{
	int type = config_setting_type(a);

	if (type != config_setting_type(b) || config_setting_length(a) != config_setting_length(b))
		return false;
	switch (type) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return config_setting_get_int64(a) == config_setting_get_int64(b);
	case CONFIG_TYPE_FLOAT:
		return config_setting_get_float(a) == config_setting_get_float(b);
	case CONFIG_TYPE_BOOL:
		return config_setting_get_bool(a) == config_setting_get_bool(b);
	case CONFIG_TYPE_STRING:
		return strcmp(config_setting_get_string(a), config_setting_get_string(b)) == 0;
	case CONFIG_TYPE_GROUP:
		for (int i = 0; i < config_setting_length(a); i++) {
			config_setting_t *m = config_setting_get_elem(a, (unsigned)i);
			config_setting_t *o = config_setting_get_member(b, config_setting_name(m));
			if (!o || !setting_equal(m, o))
				return false;
		}
		return true;
	default:
		for (int i = 0; i < config_setting_length(a); i++)
			if (!setting_equal(config_setting_get_elem(a, (unsigned)i),
					   config_setting_get_elem(b, (unsigned)i)))
				return false;
		return true;
	}
}

/* The edited text says what the edited tree says? Else log and -EINVAL:
 * the file is never rewritten from the tree (which would drop its
 * comments and layout). */
static int text_check(struct conf_edit *ed, const char *file)
{
	config_t cfg;
	bool same;

	if (ed->text_err == -ENOMEM)
		return log_error_errno(-ENOMEM, "out of memory");
	if (ed->text_err == 0) {
		conf_config_init(&cfg);
		same = config_read_string(&cfg, ed->text) &&
		       setting_equal(config_root_setting(&ed->cfg), config_root_setting(&cfg));
		config_destroy(&cfg);
		if (same)
			return 0;
	}
	log_error("%s: cannot change this file in place (its text is too unusual for the "
		  "editor: e.g. an @include or a value where a group is needed); nothing "
		  "written: edit the file itself (a container's: sysc-config NAME --edit)",
		  file);
	return -EINVAL;
}

config_setting_t *conf_setting_copy(config_setting_t *parent, const char *name,
				    const config_setting_t *src)
{
	int type = config_setting_type(src);
	config_setting_t *d = config_setting_add(parent, name, type);

	if (!d)
		return NULL;
	switch (type) {
	case CONFIG_TYPE_INT:
		config_setting_set_int(d, config_setting_get_int(src));
		break;
	case CONFIG_TYPE_INT64:
		config_setting_set_int64(d, config_setting_get_int64(src));
		break;
	case CONFIG_TYPE_FLOAT:
		config_setting_set_float(d, config_setting_get_float(src));
		break;
	case CONFIG_TYPE_STRING:
		config_setting_set_string(d, config_setting_get_string(src));
		break;
	case CONFIG_TYPE_BOOL:
		config_setting_set_bool(d, config_setting_get_bool(src));
		break;
	default:
		for (int i = 0; i < config_setting_length(src); i++) {
			config_setting_t *e = config_setting_get_elem(src, (unsigned)i);
			if (!conf_setting_copy(
				    d, type == CONFIG_TYPE_GROUP ? config_setting_name(e) : NULL,
				    e))
				return NULL;
		}
	}
	return d;
}

static const char *last_component(const char *path)
{
	const char *dot = strrchr(path, '.');
	return dot ? dot + 1 : path;
}

static bool is_direct_child(const char *prefix, const char *path)
{
	size_t n = strlen(prefix);

	if (n == 0)
		return !strchr(path, '.');
	return strncmp(path, prefix, n) == 0 && path[n] == '.' && !strchr(path + n + 1, '.');
}

/* Copy the effective value of k (or its default) into dst. */
static int build_key(const struct conf_view *v, const struct conf_key *k, config_setting_t *dst)
{
	config_setting_t *s = conf_view_lookup(v, k->path, NULL);
	config_t tmp;
	int r = 0;

	if (!s && strcmp(k->path, "hostname") == 0 && v->schema == &conf_schema_container &&
	    (s = conf_view_lookup(v, "name", NULL)) && config_setting_get_string(s)) {
		_cleanup_free_ char *h = conf_hostname_from_name(config_setting_get_string(s));
		config_setting_t *d =
			h ? config_setting_add(dst, "hostname", CONFIG_TYPE_STRING) : NULL;
		return d && config_setting_set_string(d, h) ? 0 : -ENOMEM;
	}
	if (s)
		return conf_setting_copy(dst, last_component(k->path), s) ? 0 : -ENOMEM;
	if (!k->def)
		return 0;
	s = conf_parse_value(&tmp, k->def, k->path);
	if (!s || !conf_setting_copy(dst, last_component(k->path), s))
		r = -ENOMEM;
	config_destroy(&tmp);
	return r;
}

int conf_view_build(const struct conf_view *v, const char *prefix, config_setting_t *dst)
{
	const struct conf_schema *sc = v->schema;

	for (size_t i = 0; i < sc->n_keys; i++) {
		const struct conf_key *k = &sc->keys[i];
		config_setting_t *sub;
		int r;

		if (!is_direct_child(prefix, k->path))
			continue;
		if (k->type != CT_GROUP) {
			r = build_key(v, k, dst);
			if (r < 0)
				return r;
			continue;
		}
		sub = config_setting_add(dst, last_component(k->path), CONFIG_TYPE_GROUP);
		if (!sub)
			return -ENOMEM;
		r = conf_view_build(v, k->path, sub);
		if (r < 0)
			return r;
		if (config_setting_length(sub) == 0)
			config_setting_remove(dst, last_component(k->path));
	}
	return 0;
}

static int unknown_key(const struct conf_schema *sc, const char *key)
{
	const char *sugg = conf_schema_suggest(sc, key);

	if (sugg)
		log_error("%s: unknown key (did you mean \"%s\"?)", key, sugg);
	else
		log_error("%s: unknown key", key);
	return -ENOENT;
}

bool conf_key_known(const char *key)
{
	return conf_schema_find(&conf_schema_container, key) != NULL;
}

int conf_key_help(const char *key, FILE *out)
{
	const struct conf_schema *sc = &conf_schema_container;
	const struct conf_key *k = conf_schema_find(sc, key);
	bool first = true;

	if (!k)
		return unknown_key(sc, key);
	conf_schema_print_help(k, out);
	if (k->type != CT_GROUP && k->type != CT_LIST)
		return 0;
	fprintf(out, "    Keys:");
	for (size_t i = 0; i < sc->n_keys; i++) {
		if (is_direct_child(key, sc->keys[i].path)) {
			fprintf(out, "%s %s", first ? "" : ",", last_component(sc->keys[i].path));
			first = false;
		}
	}
	fprintf(out, "\n");
	return 0;
}

/* Print the value of s in libconfig syntax (without "key =" and ";"). */
static int print_value_syntax(const config_setting_t *s, FILE *out)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	FILE *f;
	config_t tmp;
	int r = 0;

	conf_config_init(&tmp);
	f = open_memstream(&buf, &len);
	if (!f || !conf_setting_copy(config_root_setting(&tmp), "v", s)) {
		r = -ENOMEM;
	} else {
		config_write(&tmp, f);
		fclose(f);
		f = NULL;
		/* "v = VALUE;\n" */
		if (len >= 6 && buf[len - 1] == '\n' && buf[len - 2] == ';')
			fprintf(out, "%.*s\n", (int)(len - 6), buf + 4);
	}
	if (f)
		fclose(f);
	config_destroy(&tmp);
	return r;
}

static int print_plain(const config_setting_t *s, FILE *out)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_STRING:
		fprintf(out, "%s\n", config_setting_get_string(s));
		return 0;
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		fprintf(out, "%lld\n", config_setting_get_int64(s));
		return 0;
	case CONFIG_TYPE_BOOL:
		fprintf(out, "%s\n", config_setting_get_bool(s) ? "true" : "false");
		return 0;
	case CONFIG_TYPE_FLOAT:
		fprintf(out, "%g\n", config_setting_get_float(s));
		return 0;
	case CONFIG_TYPE_LIST:
	case CONFIG_TYPE_ARRAY:
		/* arrays, and lists of strings: one element per line */
		if (config_setting_length(s) > 0 &&
		    config_setting_is_aggregate(config_setting_get_elem(s, 0)))
			return print_value_syntax(s, out);
		for (int i = 0; i < config_setting_length(s); i++)
			print_plain(config_setting_get_elem(s, (unsigned)i), out);
		return 0;
	default:
		return print_value_syntax(s, out);
	}
}

static int check_key(const struct conf_schema *sc, const char *key, const struct conf_key **ret)
{
	const struct conf_key *k = conf_schema_find(sc, key);
	const struct conf_key *list;

	if (!k)
		return unknown_key(sc, key);
	list = conf_schema_list_parent(sc, key);
	if (list) {
		log_error("%s: part of the list \"%s\": use the whole list, e.g. %s = '( { %s = "
			  "...; } )'",
			  key, list->path, list->path, last_component(key));
		return -EINVAL;
	}
	*ret = k;
	return 0;
}

int conf_get(const char *default_file, const char *file, const char *facts_file, const char *key,
	     FILE *out)
{
	const struct conf_key *k;
	struct conf_view v;
	config_t cfg[3], tmp;
	config_setting_t *s;
	int r;

	r = check_key(&conf_schema_container, key, &k);
	if (r < 0)
		return r;
	r = conf_view_open(&v, cfg, default_file, file, facts_file);
	if (r == 0)
		r = conf_view_validate(&v, false);
	if (r < 0)
		goto out;
	conf_config_init(&tmp);
	s = config_setting_add(config_root_setting(&tmp), "v", CONFIG_TYPE_GROUP);
	if (k->type == CT_GROUP)
		r = conf_view_build(&v, key, s);
	else
		r = build_key(&v, k, s);
	if (r == 0 && k->type == CT_GROUP)
		r = print_value_syntax(s, out);
	else if (r == 0 && config_setting_length(s) > 0)
		r = print_plain(config_setting_get_elem(s, 0), out);
	config_destroy(&tmp);
out:
	conf_view_close(cfg);
	return r;
}

int conf_dump(const char *default_file, const char *file, const char *facts_file, FILE *out)
{
	struct conf_view v;
	config_t cfg[3], tmp;
	int r;

	r = conf_view_open(&v, cfg, default_file, file, facts_file);
	if (r == 0)
		r = conf_view_validate(&v, false);
	if (r == 0) {
		conf_config_init(&tmp);
		r = conf_view_build(&v, "", config_root_setting(&tmp));
		if (r == 0)
			config_write(&tmp, out);
		config_destroy(&tmp);
	}
	conf_view_close(cfg);
	return r;
}

static int read_text(const char *file, char **ret)
{
	size_t len;
	int r = fileio_read_at(AT_FDCWD, file, ret, &len);

	if (r < 0)
		return log_error_errno(r, "%s: cannot read: %m", file);
	if (strlen(*ret) != len) {
		log_error("%s: contains a NUL byte", file);
		return -EINVAL;
	}
	return 0;
}

int conf_edit_open(const char *file, struct conf_edit **ret)
{
	struct conf_edit *ed = calloc(1, sizeof(*ed));
	int r = 0;

	if (!ed)
		return log_error_errno(-ENOMEM, "out of memory");
	ed->schema = &conf_schema_container;
	if (file) {
		r = conf_read_file(&ed->cfg, file);
		if (r == -ENOENT)
			log_error("%s: no such file", file);
		if (r == 0)
			r = read_text(file, &ed->text);
		ed->file = strdup(file);
		if (r == 0 && !ed->file)
			r = log_error_errno(-ENOMEM, "out of memory");
	} else {
		conf_config_init(&ed->cfg);
		ed->text = strdup("");
		if (!ed->text)
			r = log_error_errno(-ENOMEM, "out of memory");
	}
	if (r < 0) {
		conf_edit_free(ed);
		return r;
	}
	*ret = ed;
	return 0;
}

int conf_global_edit_open(const char *file, struct conf_edit **ret)
{
	struct conf_edit *ed = calloc(1, sizeof(*ed));
	int r;

	if (!ed)
		return log_error_errno(-ENOMEM, "out of memory");
	ed->schema = &conf_schema_global;
	r = conf_read_file(&ed->cfg, file);
	if (r == 0)
		r = read_text(file, &ed->text);
	else if (r == -ENOENT && !(ed->text = strdup("")))
		r = -ENOMEM;
	else if (r == -ENOENT)
		r = 0; /* a new file (cfg is initialised) */
	if (r == 0)
		r = conf_validate_tree(ed->schema, config_root_setting(&ed->cfg), file);
	if (r < 0) {
		config_destroy(&ed->cfg);
		free(ed->text);
		free(ed);
		return r;
	}
	*ret = ed;
	return 0;
}

void conf_edit_free(struct conf_edit *ed)
{
	if (!ed)
		return;
	config_destroy(&ed->cfg);
	free(ed->file);
	free(ed->text);
	free(ed);
}

static config_setting_t *add_int(config_setting_t *parent, const char *name, int64_t v)
{
	config_setting_t *s;

	if (v >= INT32_MIN && v <= INT32_MAX) {
		s = config_setting_add(parent, name, CONFIG_TYPE_INT);
		if (s)
			config_setting_set_int(s, (int)v);
	} else {
		s = config_setting_add(parent, name, CONFIG_TYPE_INT64);
		if (s)
			config_setting_set_int64(s, v);
	}
	return s;
}

static config_setting_t *add_string(config_setting_t *parent, const char *name, const char *v)
{
	config_setting_t *s = config_setting_add(parent, name, CONFIG_TYPE_STRING);

	if (s)
		config_setting_set_string(s, v);
	return s;
}

/* "a, b,c" -> ["a", "b", "c"]; "" -> []. */
static config_setting_t *split_array(config_setting_t *root, const char *text)
{
	config_setting_t *arr = config_setting_add(root, "v", CONFIG_TYPE_ARRAY);
	_cleanup_free_ char *copy = strdup(text);
	char *save = NULL;

	if (!arr || !copy)
		return NULL;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *end = t + strlen(t);
		while (*t == ' ' || *t == '\t')
			t++;
		while (end > t && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (*t && !config_setting_set_string_elem(arr, -1, t))
			return NULL;
	}
	return arr;
}

/* Build the setting "v" in tmp from the command-line text of key k. */
static config_setting_t *text_to_setting(config_t *tmp, const struct conf_key *k, const char *key,
					 const char *text)
{
	config_setting_t *root;
	int64_t i;
	bool b;

	if (k->type == CT_GROUP || k->type == CT_LIST || text[0] == '"' ||
	    (k->type == CT_STRV && (text[0] == '[' || text[0] == '(')))
		return conf_parse_value(tmp, text, key);
	conf_config_init(tmp);
	root = config_root_setting(tmp);
	switch (k->type) {
	case CT_STRV:
		return split_array(root, text);
	case CT_BOOL:
		if (conf_parse_bool(text, &b) < 0) {
			log_error("%s: invalid boolean \"%s\" (use true or false)", key, text);
			return NULL;
		}
		root = config_setting_add(root, "v", CONFIG_TYPE_BOOL);
		if (root)
			config_setting_set_bool(root, b);
		return root;
	case CT_INT:
		if (conf_parse_int(text, &i) < 0) {
			log_error("%s: invalid integer \"%s\"", key, text);
			return NULL;
		}
		return add_int(root, "v", i);
	case CT_STRING:
		return add_string(root, "v", text);
	default: /* sizes, counts, signals, limits, scalars: a number or a string */
		if (conf_parse_int(text, &i) == 0)
			return add_int(root, "v", i);
		return add_string(root, "v", text);
	}
}

/* Parent group of key in the edited tree, creating groups on the way. */
static config_setting_t *ensure_parent(config_setting_t *root, const char *key)
{
	config_setting_t *g = root;
	const char *p = key, *dot;

	while ((dot = strchr(p, '.'))) {
		char name[128];
		config_setting_t *m;
		size_t n = (size_t)(dot - p);

		if (n >= sizeof(name))
			return NULL;
		memcpy(name, p, n);
		name[n] = '\0';
		m = config_setting_get_member(g, name);
		if (m && !config_setting_is_group(m)) {
			config_setting_remove(g, name);
			m = NULL;
		}
		if (!m)
			m = config_setting_add(g, name, CONFIG_TYPE_GROUP);
		if (!m)
			return NULL;
		g = m;
		p = dot + 1;
	}
	return g;
}

int conf_edit_set(struct conf_edit *ed, const char *key, const char *value)
{
	const struct conf_schema *sc = ed->schema;
	struct conf_ctx ctx = {.file = NULL};
	const struct conf_key *k;
	config_setting_t *s, *parent;
	config_t tmp;
	int r;

	r = check_key(sc, key, &k);
	if (r < 0)
		return r;
	s = text_to_setting(&tmp, k, key, value);
	if (!s) {
		config_destroy(&tmp);
		return -EINVAL;
	}
	conf_validate_setting(&ctx, sc, k, s, key);
	r = ctx.n_errors ? -EINVAL : 0;
	if (r == 0) {
		parent = ensure_parent(config_root_setting(&ed->cfg), key);
		if (parent && config_setting_get_member(parent, last_component(key)))
			config_setting_remove(parent, last_component(key));
		if (!parent || !(s = conf_setting_copy(parent, last_component(key), s)))
			r = log_error_errno(-ENOMEM, "%s: out of memory", key);
		else
			text_apply(ed, s, NULL);
	}
	config_destroy(&tmp);
	return r;
}

/* Merge src into dst: groups merge member by member, anything else replaces. */
static int merge_group(struct conf_edit *ed, config_setting_t *dst, const config_setting_t *src)
{
	for (int i = 0; i < config_setting_length(src); i++) {
		config_setting_t *m = config_setting_get_elem(src, (unsigned)i);
		const char *name = config_setting_name(m);
		config_setting_t *d = config_setting_get_member(dst, name);
		int r;

		if (d && config_setting_is_group(d) && config_setting_is_group(m)) {
			r = merge_group(ed, d, m);
			if (r < 0)
				return r;
			continue;
		}
		if (d)
			config_setting_remove(dst, name);
		d = conf_setting_copy(dst, name, m);
		if (!d)
			return -ENOMEM;
		text_apply(ed, d, NULL);
	}
	return 0;
}

int conf_edit_merge_file(struct conf_edit *ed, const char *file)
{
	config_setting_t *root = config_root_setting(&ed->cfg);
	char *text = NULL;
	config_t cfg;
	int r;

	r = conf_read_file(&cfg, file);
	if (r == -ENOENT)
		log_error("%s: no such file", file);
	if (r == 0)
		r = conf_validate_tree(&conf_schema_container, config_root_setting(&cfg), file);
	if (r == 0 && config_setting_length(root) == 0 && ed->text_err == 0) {
		/* into an empty edit: the file's text as it is */
		r = read_text(file, &text);
		if (r == 0) {
			free(ed->text);
			ed->text = text;
			r = merge_group(NULL, root, config_root_setting(&cfg));
		}
	} else if (r == 0) {
		/* over settings: each of the file's values set in the text */
		r = merge_group(ed, root, config_root_setting(&cfg));
	}
	if (r == -ENOMEM)
		log_error("%s: out of memory", file);
	config_destroy(&cfg);
	return r;
}

bool conf_edit_has(struct conf_edit *ed, const char *key)
{
	config_setting_t *g = config_root_setting(&ed->cfg);
	const char *p = key, *dot;

	/* set, or under a value that is not a group (which replaced it) */
	while ((dot = strchr(p, '.'))) {
		char name[128];
		size_t n = (size_t)(dot - p);
		if (n >= sizeof(name))
			return false;
		memcpy(name, p, n);
		name[n] = '\0';
		g = config_setting_get_member(g, name);
		if (!g)
			return false;
		if (!config_setting_is_group(g))
			return true;
		p = dot + 1;
	}
	return config_setting_get_member(g, p) != NULL;
}

/* Remove s from the tree and the text. */
static void remove_setting(struct conf_edit *ed, config_setting_t *s)
{
	_cleanup_strv_ char **path = setting_path(s);

	if (!path)
		ed->text_err = -ENOMEM;
	else
		text_apply(ed, NULL, path);
	config_setting_remove_elem(config_setting_parent(s), (unsigned)config_setting_index(s));
}

int conf_edit_unset(struct conf_edit *ed, const char *key)
{
	const struct conf_schema *sc = &conf_schema_container;
	config_setting_t *root = config_root_setting(&ed->cfg);
	config_setting_t *s = conf_tree_lookup(root, key), *parent;

	if (!s && !conf_schema_find(sc, key))
		return unknown_key(sc, key);
	if (!s && conf_schema_list_parent(sc, key)) {
		const struct conf_key *k;
		return check_key(sc, key, &k);
	}
	if (!s)
		return 0;
	/* Remove, with the groups it leaves empty. */
	while ((parent = config_setting_parent(s)) != root && config_setting_length(parent) == 1)
		s = parent;
	remove_setting(ed, s);
	return 0;
}

/* The edited text, checked against the tree, written to file. */
static int write_text(struct conf_edit *ed, const char *file)
{
	int r = text_check(ed, file);

	if (r < 0)
		return r;
	r = fileio_write_atomic_at(AT_FDCWD, file, ed->text, strlen(ed->text), 0644);
	if (r < 0)
		return log_error_errno(r, "%s: cannot write: %m", file);
	return 0;
}

int conf_edit_write(struct conf_edit *ed, const char *default_file, const char *file)
{
	struct conf_view v = {.schema = &conf_schema_container, .file = {default_file, file}};
	config_t def;
	int r = 0;

	if (default_file)
		r = conf_read_file(&def, default_file);
	else
		conf_config_init(&def);
	if (default_file && r == 0)
		v.cfg[0] = &def;
	v.cfg[1] = &ed->cfg;
	if (r == -ENOENT)
		r = 0;
	if (r == 0 && ed->schema == &conf_schema_global)
		r = conf_validate_tree(ed->schema, config_root_setting(&ed->cfg), file);
	else if (r == 0)
		r = conf_view_validate(&v, true);
	config_destroy(&def);
	return r < 0 ? r : write_text(ed, file);
}

#define FACTS_HEADER                                                                               \
	"# Facts sysc records about this container (not its settings: those are\n"                 \
	"# in the file \"config\" beside this one). Written by sysc, not to be edited;\n"          \
	"# see sysc-config(1).\n"

/* A facts file: valid, and only facts in it */
static int facts_check(struct conf_edit *ed, const char *file)
{
	int r = conf_validate_tree(ed->schema, config_root_setting(&ed->cfg), file);

	return r < 0 ? r : conf_check_facts_only(config_root_setting(&ed->cfg), file);
}

int conf_facts_open(const char *file, struct conf_edit **ret)
{
	struct conf_edit *ed = NULL;
	int r;

	if (access(file, F_OK) == 0)
		r = conf_edit_open(file, &ed);
	else if (errno != ENOENT)
		r = log_error_errno(-errno, "%s: cannot read: %m", file);
	else
		r = conf_edit_open(NULL, &ed);
	if (r == 0 && !*ed->text) {
		free(ed->text);
		ed->text = strdup(FACTS_HEADER);
		if (!ed->text)
			r = log_error_errno(-ENOMEM, "out of memory");
	}
	if (r == 0)
		r = facts_check(ed, file);
	if (r < 0) {
		conf_edit_free(ed);
		return r;
	}
	*ret = ed;
	return 0;
}

int conf_facts_write(struct conf_edit *ed, const char *file)
{
	int r = facts_check(ed, file);

	return r < 0 ? r : write_text(ed, file);
}

int conf_edit_move_facts(struct conf_edit *ed, struct conf_edit *facts)
{
	config_setting_t *root = config_root_setting(&ed->cfg);
	config_setting_t *froot = config_root_setting(&facts->cfg);
	int n = 0;

	for (const char *const *f = conf_fact_keys(); *f; f++) {
		config_setting_t *s = conf_tree_lookup(root, *f), *parent, *d;

		if (!s)
			continue;
		/* recorded in facts already (a move cut short): theirs wins */
		if (!conf_tree_lookup(froot, *f)) {
			parent = ensure_parent(froot, *f);
			d = parent ? conf_setting_copy(parent, last_component(*f), s) : NULL;
			if (!d)
				return log_error_errno(-ENOMEM, "%s: out of memory", *f);
			text_apply(facts, d, NULL);
		}
		/* out of the config, with the groups it leaves empty */
		while ((parent = config_setting_parent(s)) != root &&
		       config_setting_length(parent) == 1)
			s = parent;
		remove_setting(ed, s);
		n++;
	}
	return n;
}

int conf_parse_key(const char *key, const char *value, struct sysc_conf **ret)
{
	struct conf_view v = {.schema = &conf_schema_container};
	struct conf_edit *ed = NULL;
	int r = conf_edit_open(NULL, &ed);

	if (r == 0)
		r = conf_edit_set(ed, key, value);
	if (r == 0) {
		v.cfg[1] = &ed->cfg;
		r = conf_view_fill(&v, ret);
		if (r < 0)
			log_error_errno(r, "%s: %m", key);
	}
	conf_edit_free(ed);
	return r;
}

int conf_edit_new_identity(struct conf_edit *ed, const char *old_name)
{
	config_setting_t *root = config_root_setting(&ed->cfg);
	config_setting_t *host = config_setting_get_member(root, "hostname");
	config_setting_t *net = config_setting_get_member(root, "network");
	const char *h;

	/* a host name that was the old container name follows the new one */
	if (host && (h = config_setting_get_string(host)) && strcmp(h, old_name) == 0)
		remove_setting(ed, host);
	/* an unprivileged copy gets a host id range of its own (rootfs.shifted
	 * stays: it says what the copied files' owners are) */
	if ((host = config_setting_get_member(root, "idmap")))
		remove_setting(ed, host);
	/* a fixed MAC would clash with the original: derive from the new name */
	for (int i = 0; net && i < config_setting_length(net); i++) {
		config_setting_t *e = config_setting_get_elem(net, (unsigned)i);
		config_setting_t *hw = e ? config_setting_get_member(e, "hwaddr") : NULL;
		if (hw) {
			remove_setting(ed, hw);
			log_info("network[%d]: the copy gets a new MAC address", i);
		}
	}
	return 0;
}
