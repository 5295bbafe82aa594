/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Resource usage samples of containers, from their cgroups (`sysc-top`). */
#pragma once

#include "cgroup/cgroup.h"
#include "lib/state.h"

#include <stddef.h>
#include <stdint.h>

struct sysc_paths;

struct usage_row {
	char *name;
	enum sysc_state state;
	struct cgroup_stats st; /* all UINT64_MAX when not running */
	uint64_t at_usec;	/* CLOCK_MONOTONIC time of the sample */
};

/* One sample of names (NULL: every container that is not stopped), in
 * order. A named container that does not exist is an error (logged). */
int usage_sample(const struct sysc_paths *p, char *const *names, struct usage_row **ret,
		 size_t *ret_n);
void usage_free(struct usage_row *rows, size_t n);
