/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "storage/storage.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

static const struct storage_ops *const backends[] = {
	&storage_dir_ops,
};

static const char *const backend_names[] = {"dir", NULL};

const char *const *storage_backend_names(void)
{
	return backend_names;
}

const struct storage_ops *storage_find(const char *name, const char *store_path)
{
	if (!name || strcmp(name, "best") == 0) {
		/* the first usable backend in order of preference */
		for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
			if (!backends[i]->usable || backends[i]->usable(store_path) > 0)
				return backends[i];
		return NULL;
	}
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (strcmp(backends[i]->name, name) == 0)
			return backends[i];
	return NULL;
}
