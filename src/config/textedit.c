/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* In-place edits of libconfig text (see textedit.h). */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/textedit.h"

struct tnode {
	size_t start;	 /* the name (a list element: its value) */
	size_t name_len; /* 0 for list elements */
	size_t vstart;	 /* the value */
	size_t vend;	 /* after the value */
	size_t end;	 /* after the ';' or ',' (or vend) */
	size_t close;	 /* aggregates: the closing bracket */
	char kind;	 /* '{', '(', '[' or 's' (scalar, string) */
	size_t n_kids;
	struct tnode *kids; /* group members, list elements */
};

struct tparser {
	const char *t;
	size_t len, pos;
};

static void tnode_clear(struct tnode *n)
{
	for (size_t i = 0; i < n->n_kids; i++)
		tnode_clear(&n->kids[i]);
	free(n->kids);
	n->kids = NULL;
	n->n_kids = 0;
}

/* Skip blanks and comments; -EOPNOTSUPP at an @include or unterminated comment. */
static int skip_space(struct tparser *p)
{
	while (p->pos < p->len) {
		const char *c = p->t + p->pos;
		if (isspace((unsigned char)*c)) {
			p->pos++;
		} else if (*c == '#' || (*c == '/' && p->pos + 1 < p->len && c[1] == '/')) {
			while (p->pos < p->len && p->t[p->pos] != '\n')
				p->pos++;
		} else if (*c == '/' && p->pos + 1 < p->len && c[1] == '*') {
			const char *e = strstr(c + 2, "*/");
			if (!e || (size_t)(e - p->t) >= p->len)
				return -EOPNOTSUPP;
			p->pos = (size_t)(e - p->t) + 2;
		} else if (*c == '@') {
			return -EOPNOTSUPP;
		} else {
			break;
		}
	}
	return 0;
}

static bool at(struct tparser *p, char c)
{
	return p->pos < p->len && p->t[p->pos] == c;
}

static int parse_value(struct tparser *p, struct tnode *n);

static int add_kid(struct tnode *n, struct tnode **ret)
{
	struct tnode *k = realloc(n->kids, (n->n_kids + 1) * sizeof(*k));

	if (!k)
		return -ENOMEM;
	n->kids = k;
	*ret = memset(&k[n->n_kids++], 0, sizeof(*k));
	return 0;
}

/* After a setting or element: an optional separator. */
static int parse_terminator(struct tparser *p, struct tnode *k, const char *seps)
{
	size_t save = p->pos;
	int r = skip_space(p);

	if (r < 0)
		return r;
	if (p->pos < p->len && strchr(seps, p->t[p->pos])) {
		p->pos++;
		k->end = p->pos;
	} else {
		p->pos = save;
		k->end = k->vend;
	}
	return 0;
}

static bool name_char(char c, bool first)
{
	return isalpha((unsigned char)c) || c == '*' ||
	       (!first && (isdigit((unsigned char)c) || c == '_' || c == '-'));
}

/* Settings until closer ('}' or '\0' for the end of the text). */
static int parse_members(struct tparser *p, struct tnode *n, char closer)
{
	for (;;) {
		struct tnode *k;
		int r = skip_space(p);

		if (r < 0)
			return r;
		if (closer ? at(p, closer) : p->pos == p->len) {
			n->close = p->pos;
			return 0;
		}
		if (p->pos == p->len || !name_char(p->t[p->pos], true))
			return -EOPNOTSUPP;
		r = add_kid(n, &k);
		if (r < 0)
			return r;
		k->start = p->pos;
		while (p->pos < p->len && name_char(p->t[p->pos], false))
			p->pos++;
		k->name_len = p->pos - k->start;
		r = skip_space(p);
		if (r < 0)
			return r;
		if (!at(p, '=') && !at(p, ':'))
			return -EOPNOTSUPP;
		p->pos++;
		r = skip_space(p);
		if (r == 0)
			r = parse_value(p, k);
		if (r == 0)
			r = parse_terminator(p, k, ";,");
		if (r < 0)
			return r;
	}
}

/* Elements of a list or array until closer. */
static int parse_elements(struct tparser *p, struct tnode *n, char closer)
{
	for (;;) {
		struct tnode *k;
		int r = skip_space(p);

		if (r < 0)
			return r;
		if (p->pos == p->len)
			return -EOPNOTSUPP;
		if (at(p, closer)) {
			n->close = p->pos;
			return 0;
		}
		r = add_kid(n, &k);
		if (r < 0)
			return r;
		k->start = p->pos;
		r = parse_value(p, k);
		if (r == 0)
			r = parse_terminator(p, k, ",");
		if (r < 0)
			return r;
		if (k->end == k->vend) { /* no comma: the closer must follow */
			r = skip_space(p);
			if (r < 0)
				return r;
			if (!at(p, closer))
				return -EOPNOTSUPP;
		}
	}
}

static int parse_string(struct tparser *p)
{
	p->pos++; /* the opening quote */
	while (p->pos < p->len && p->t[p->pos] != '"') {
		if (p->t[p->pos] == '\\')
			p->pos++;
		p->pos++;
	}
	if (p->pos >= p->len)
		return -EOPNOTSUPP;
	p->pos++;
	return 0;
}

static int parse_value(struct tparser *p, struct tnode *n)
{
	int r = 0;

	n->vstart = p->pos;
	if (p->pos == p->len)
		return -EOPNOTSUPP;
	switch (p->t[p->pos]) {
	case '{':
	case '(':
	case '[':
		n->kind = p->t[p->pos++];
		r = n->kind == '{' ? parse_members(p, n, '}')
				   : parse_elements(p, n, n->kind == '(' ? ')' : ']');
		if (r < 0)
			return r;
		p->pos++; /* the closer */
		break;
	case '"':
		/* adjacent strings are one value: "a" "b" */
		n->kind = 's';
		for (;;) {
			size_t save;
			r = parse_string(p);
			if (r < 0)
				return r;
			n->vend = p->pos;
			save = p->pos;
			r = skip_space(p);
			if (r < 0)
				return r;
			if (!at(p, '"')) {
				p->pos = save;
				break;
			}
		}
		return 0;
	default:
		n->kind = 's';
		while (p->pos < p->len && !isspace((unsigned char)p->t[p->pos]) &&
		       !strchr(";,)]}{([#/\"=:", p->t[p->pos]))
			p->pos++;
		if (p->pos == n->vstart)
			return -EOPNOTSUPP;
	}
	n->vend = p->pos;
	return 0;
}

static int parse_text(const char *text, struct tnode *root)
{
	struct tparser p = {.t = text, .len = strlen(text)};
	int r;

	memset(root, 0, sizeof(*root));
	root->kind = '{';
	root->vend = root->end = p.len;
	r = parse_members(&p, root, '\0');
	if (r < 0)
		tnode_clear(root);
	return r;
}

static struct tnode *find_kid(const char *text, struct tnode *n, const char *seg)
{
	if (seg[0] == '[') {
		unsigned long i = strtoul(seg + 1, NULL, 10);
		return n->kind == '(' && i < n->n_kids ? &n->kids[i] : NULL;
	}
	if (n->kind != '{')
		return NULL;
	for (size_t i = 0; i < n->n_kids; i++)
		if (n->kids[i].name_len == strlen(seg) &&
		    strncmp(text + n->kids[i].start, seg, n->kids[i].name_len) == 0)
			return &n->kids[i];
	return NULL;
}

/* Replace [from, to) of *text by with. */
static int splice(char **text, size_t from, size_t to, const char *with)
{
	size_t len = strlen(*text), wl = strlen(with);
	char *n = malloc(len - (to - from) + wl + 1);

	if (!n)
		return -ENOMEM;
	memcpy(n, *text, from);
	memcpy(n + from, with, wl);
	memcpy(n + from + wl, *text + to, len - to + 1);
	free(*text);
	*text = n;
	return 0;
}

static size_t line_start(const char *text, size_t pos)
{
	while (pos > 0 && text[pos - 1] != '\n')
		pos--;
	return pos;
}

static bool only_blank(const char *text, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (text[i] != ' ' && text[i] != '\t')
			return false;
	return true;
}

/* The end of the line at pos (after its '\n') if only blanks or a line
 * comment follow pos on it, else SIZE_MAX. */
static size_t rest_of_line(const char *text, size_t pos)
{
	while (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\r')
		pos++;
	if (text[pos] == '#' || (text[pos] == '/' && text[pos + 1] == '/'))
		while (text[pos] && text[pos] != '\n')
			pos++;
	if (text[pos] == '\n')
		return pos + 1;
	return text[pos] ? SIZE_MAX : pos;
}

/* "a = { b = VALUE; };" for the segments from path[0] on. */
static char *nested_text(const char *const *path, const char *value_text)
{
	char *inner, *s;

	if (!path[1])
		return asprintf(&s, "%s = %s;", path[0], value_text) < 0 ? NULL : s;
	inner = nested_text(path + 1, value_text);
	if (!inner)
		return NULL;
	if (asprintf(&s, "%s = { %s };", path[0], inner) < 0)
		s = NULL;
	free(inner);
	return s;
}

/* The indentation one level deeper than the line at pos: the file's first
 * indented line's indentation added. */
static char *deeper_indent(const char *text, size_t pos)
{
	size_t ls = line_start(text, pos), n = 0;
	const char *unit = "\t";
	size_t ul = 1;
	char *s;

	while (text[ls + n] == ' ' || text[ls + n] == '\t')
		n++;
	for (const char *l = text; l; l = strchr(l, '\n')) {
		if (*l == '\n')
			l++;
		if (*l == ' ' || *l == '\t') {
			unit = l;
			ul = strspn(l, " \t");
			break;
		}
	}
	if (asprintf(&s, "%.*s%.*s", (int)n, text + ls, (int)ul, unit) < 0)
		return NULL;
	return s;
}

static int insert_into(char **text, const struct tnode *g, bool is_root, const char *ins)
{
	const char *t = *text;
	char *s = NULL;
	size_t pos;
	int r;

	if (g->n_kids > 0) {
		const struct tnode *last = &g->kids[g->n_kids - 1];
		size_t ls = line_start(t, last->start);
		size_t eol = rest_of_line(t, last->end);
		if (only_blank(t, ls, last->start) && eol != SIZE_MAX &&
		    (is_root || eol <= g->close)) {
			/* a line of its own, indented as the last member */
			bool nl = eol > 0 && t[eol - 1] == '\n';
			if (asprintf(&s, "%s%.*s%s%s", nl ? "" : "\n", (int)(last->start - ls),
				     t + ls, ins, nl ? "\n" : "") < 0)
				return -ENOMEM;
			pos = eol;
		} else {
			if (asprintf(&s, " %s", ins) < 0)
				return -ENOMEM;
			pos = last->end;
		}
	} else if (is_root) {
		size_t len = strlen(t);
		if (asprintf(&s, "%s%s\n", len > 0 && t[len - 1] != '\n' ? "\n" : "", ins) < 0)
			return -ENOMEM;
		pos = len;
	} else if (memchr(t + g->vstart, '\n', g->close - g->vstart)) {
		/* an empty group over several lines: a line before the '}' */
		char *ind = deeper_indent(t, g->close);
		size_t ls = line_start(t, g->close);
		if (!ind)
			return -ENOMEM;
		if (only_blank(t, ls, g->close)) {
			r = asprintf(&s, "%s%s\n", ind, ins);
			pos = ls;
		} else {
			r = asprintf(&s, "\n%s%s\n", ind, ins);
			pos = g->close;
		}
		free(ind);
		if (r < 0)
			return -ENOMEM;
	} else {
		/* "{ }" or "{}" on one line */
		r = splice(text, g->vstart + 1, g->close, "");
		if (r < 0)
			return r;
		if (asprintf(&s, " %s ", ins) < 0)
			return -ENOMEM;
		pos = g->vstart + 1;
	}
	r = splice(text, pos, pos, s);
	free(s);
	return r;
}

int conf_text_set(char **text, const char *const *path, const char *value_text)
{
	struct tnode root, *n = &root, *k;
	size_t i;
	int r = parse_text(*text, &root);

	if (r < 0)
		return r;
	for (i = 0; path[i]; i++) {
		k = find_kid(*text, n, path[i]);
		if (!k)
			break;
		if (path[i + 1] && k->kind != '{' && !(k->kind == '(' && path[i + 1][0] == '[')) {
			r = -EOPNOTSUPP; /* a value where a group is needed */
			goto out;
		}
		n = k;
	}
	if (!path[i]) {
		r = splice(text, n->vstart, n->vend, value_text);
	} else if (path[i][0] == '[' || n->kind != '{') {
		r = -EOPNOTSUPP;
	} else {
		char *ins = nested_text(path + i, value_text);
		r = ins ? insert_into(text, n, n == &root, ins) : -ENOMEM;
		free(ins);
	}
out:
	tnode_clear(&root);
	return r;
}

int conf_text_remove(char **text, const char *const *path)
{
	struct tnode root, *n = &root;
	size_t from, to, eol;
	int r = parse_text(*text, &root);

	if (r < 0)
		return r;
	for (size_t i = 0; path[i] && n; i++)
		n = find_kid(*text, n, path[i]);
	if (!n || n == &root) {
		tnode_clear(&root);
		return 0;
	}
	from = n->start;
	to = n->end;
	eol = rest_of_line(*text, to);
	if (only_blank(*text, line_start(*text, from), from) && eol != SIZE_MAX) {
		from = line_start(*text, from);
		to = eol;
	} else {
		while ((*text)[to] == ' ' || (*text)[to] == '\t')
			to++;
	}
	tnode_clear(&root);
	return splice(text, from, to, "");
}
