/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A tiny streaming JSON writer for --format json output. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct json {
	FILE *f;
	int depth;
	bool need_comma[32];
	bool after_key;
};

void json_begin_object(struct json *j);
void json_end_object(struct json *j);
void json_begin_array(struct json *j);
void json_end_array(struct json *j);
/* A key inside an object; the next value call writes its value. */
void json_key(struct json *j, const char *key);
void json_string(struct json *j, const char *s); /* NULL -> null */
void json_int(struct json *j, int64_t v);
void json_uint(struct json *j, uint64_t v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);
