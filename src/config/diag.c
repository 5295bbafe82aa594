/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Diagnostics of the config checks: one error line with file:line and key,
 * counted in the context, and the names of libconfig setting types. */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>

#include "config/diag.h"
#include "util/log.h"

void conf_error(struct conf_ctx *ctx, const config_setting_t *s, const char *key, const char *fmt,
		...)
{
	const char *file = s ? config_setting_source_file(s) : NULL;
	unsigned line = s && file ? config_setting_source_line(s) : 0;
	char msg[1024], where[PATH_MAX + 32] = "";
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!file)
		file = ctx->file;
	if (file && line > 0)
		snprintf(where, sizeof(where), "%s:%u: ", file, line);
	else if (file)
		snprintf(where, sizeof(where), "%s: ", file);
	if (key)
		log_error("%s%s: %s", where, key, msg);
	else
		log_error("%s%s", where, msg);
	ctx->n_errors++;
}

const char *conf_setting_type_name(const config_setting_t *s)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_GROUP:
		return "a group";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a float";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "a boolean";
	case CONFIG_TYPE_ARRAY:
		return "an array";
	case CONFIG_TYPE_LIST:
		return "a list";
	}
	return "nothing";
}
