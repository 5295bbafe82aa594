/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Internal to src/config: how the checks report a config error (diag.c).
 * Below the schema, its checks and the loader: includes nothing of them.
 */
#pragma once

#include <libconfig.h>

/* Error reporting context: counts the errors logged. */
struct conf_ctx {
	const char *file; /* fallback file name when a setting has none */
	unsigned n_errors;
};

/* Log "file:line: key: message" (the setting s's location, else ctx->file)
 * and count it in ctx. */
void conf_error(struct conf_ctx *ctx, const config_setting_t *s, const char *key, const char *fmt,
		...) __attribute__((format(printf, 4, 5)));
/* "a group", "an integer", ... for messages. */
const char *conf_setting_type_name(const config_setting_t *s);
