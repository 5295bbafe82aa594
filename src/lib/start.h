/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

struct sysc_paths;

struct start_opts {
	char *const *cmd; /* `-- CMD`: run this instead of the configured init */
};

/* Start a container: fork its monitor and return once it is RUNNING, or
 * with the setup error (already printed) and nothing left behind. */
int start_container(const struct sysc_paths *p, const char *name, const struct start_opts *o);
