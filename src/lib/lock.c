/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/lock.h"
#include "lib/paths.h"
#include "util/cleanup.h"
#include "util/strv.h"

#include <errno.h>

int lock_container(const struct sysc_paths *p, const char *name)
{
	_cleanup_free_ char *path = paths_container_lock(p, name);
	_cleanup_free_ char *what = str_printf("container %s", name);

	if (!path || !what)
		return -ENOMEM;
	return lock_path(path, what);
}
