/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Per-container locks (flock on <run>/.locks/<key>, paths.h), held across any change
 * of a container's store entry or state: create, destroy, config set, start. */
#pragma once

#include "util/lock.h" /* lock_path(), lock_try_fd() */

#include <stdbool.h>

struct sysc_paths;

/* Take the lock of container name; wait when another command holds it (and
 * say so once). Returns an fd to close for release, or -errno (logged). */
int lock_container(const struct sysc_paths *p, const char *name);
