/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* NULL-terminated string arrays and small string helpers. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

size_t strv_length(char *const *strv);
void strv_free(char **strv);
char **strv_copy(char *const *strv);
/* Append a copy of s; returns 0 or -ENOMEM. */
int strv_push(char ***strv, const char *s);
bool strv_contains(char *const *strv, const char *s);
/* Join with sep into a new string. */
char *strv_join(char *const *strv, const char *sep);

bool str_startswith(const char *s, const char *prefix);
bool str_endswith(const char *s, const char *suffix);
/* Levenshtein distance, for "did you mean". */
size_t str_distance(const char *a, const char *b);
/* printf into a new string (NULL on ENOMEM). */
char *str_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
