/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Running a process inside a running container: all of init's namespaces
 * (through its pidfd), a leaf cgroup of the container, a clean environment,
 * the user resolved inside. */
#pragma once

#include <stdbool.h>

struct sysc_paths;

#define ATTACH_EXIT_FAILURE 125 /* sysc-attach itself failed */

struct attach_opts {
	char *const *cmd;    /* NULL or empty: the user's login shell */
	char *const *setenv; /* "VAR=VALUE" added to the environment */
	bool keep_env;	     /* start from our environment instead of a clean one */
	const char *user;    /* name or uid inside; default root */
	const char *cwd;     /* default: the user's home */
};

/* Returns the command's exit status (128+N when killed by signal N), or
 * -errno when it could not be started (logged). */
int attach_run(const struct sysc_paths *p, const char *name, const struct attach_opts *o);
