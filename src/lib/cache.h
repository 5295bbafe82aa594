/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Template caches: <cache>/<key>/rootfs, built once under <cache>/.build-<key>-XXXXXX
 * while holding <cache>/<key>.lock, then renamed into place. */
#pragma once

struct sysc_paths;

/* Make sure the cache for key exists, building it with the template if not.
 * Returns the path of the cached rootfs. */
int cache_ensure(const struct sysc_paths *p, const char *exe, const char *key, char *const *args,
		 char **ret_rootfs);

#include <stdbool.h>

/* Print the template caches: key, build time, containers using them. */
int cache_list(const struct sysc_paths *p, bool json);
/* Remove template cache key and the backends' forms of it; refused (-EBUSY,
 * naming them) while containers or snapshots of the store depend on it. */
int cache_remove(const struct sysc_paths *p, const char *key);
