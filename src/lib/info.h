/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What `sysc-info` shows, as an ordered list of items (text and JSON share it). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sysc_paths;

struct info_item {
	const char *key;   /* json key */
	const char *label; /* table label */
	char *value;	   /* NULL: unknown / not applicable */
	bool is_number;
	uint64_t number;
};

struct info {
	struct info_item *items;
	size_t n_items;
};

int info_collect(const struct sysc_paths *p, const char *name, struct info **ret);
void info_free(struct info *info);
