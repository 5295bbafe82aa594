/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "util/strv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t strv_length(char *const *strv)
{
	size_t n = 0;

	while (strv && strv[n])
		n++;
	return n;
}

void strv_free(char **strv)
{
	if (!strv)
		return;
	for (char **s = strv; *s; s++)
		free(*s);
	free(strv);
}

char **strv_copy(char *const *strv)
{
	size_t n = strv_length(strv);
	char **c = calloc(n + 1, sizeof(char *));

	if (!c)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		c[i] = strdup(strv[i]);
		if (!c[i]) {
			strv_free(c);
			return NULL;
		}
	}
	return c;
}

int strv_push(char ***strv, const char *s)
{
	size_t n = strv_length(*strv);
	char *d = strdup(s);
	char **c;

	if (!d)
		return -ENOMEM;
	c = realloc(*strv, (n + 2) * sizeof(char *));
	if (!c) {
		free(d);
		return -ENOMEM;
	}
	c[n] = d;
	c[n + 1] = NULL;
	*strv = c;
	return 0;
}

bool strv_contains(char *const *strv, const char *s)
{
	for (size_t i = 0; strv && strv[i]; i++)
		if (strcmp(strv[i], s) == 0)
			return true;
	return false;
}

char *strv_join(char *const *strv, const char *sep)
{
	size_t len = 1, seplen = strlen(sep);
	char *r, *p;

	for (size_t i = 0; strv && strv[i]; i++)
		len += strlen(strv[i]) + seplen;
	r = malloc(len);
	if (!r)
		return NULL;
	p = r;
	for (size_t i = 0; strv && strv[i]; i++) {
		if (i > 0) {
			memcpy(p, sep, seplen);
			p += seplen;
		}
		size_t l = strlen(strv[i]);
		memcpy(p, strv[i], l);
		p += l;
	}
	*p = '\0';
	return r;
}

bool str_startswith(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool str_endswith(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

size_t str_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t *row, result;

	if (la > 128 || lb > 128)
		return (size_t)-1;
	row = calloc(lb + 1, sizeof(size_t));
	if (!row)
		return (size_t)-1;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t prev = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cur = row[j];
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			size_t best = prev + cost;
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = cur;
		}
	}
	result = row[lb];
	free(row);
	return result;
}

char *str_printf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	return r < 0 ? NULL : s;
}
