/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/usage.h"
#include "lib/paths.h"
#include "lib/store.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/monotonic.h"
#include "util/strv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int sample_one(const struct sysc_paths *p, const char *name, struct usage_row *row)
{
	struct state_info si;
	struct cgroup_set *cg = NULL;
	int r;

	memset(&row->st, 0xff, sizeof(row->st));
	row->state = STATE_STOPPED;
	row->name = strdup(name);
	if (!row->name)
		return -ENOMEM;
	r = state_read(p, name, &si);
	if (r < 0)
		return 0; /* shown as STOPPED with no usage */
	row->state = si.state;
	_cleanup_free_ char *key = paths_container_key(p, name);
	if (si.state != STATE_STOPPED && key && cgroup_open(p->cgroup_parent, key, &cg) == 0) {
		cgroup_stats(cg, &row->st);
		cgroup_set_free(cg);
	}
	row->at_usec = (uint64_t)monotonic_us();
	return 0;
}

int usage_sample(const struct sysc_paths *p, char *const *names, struct usage_row **ret,
		 size_t *ret_n)
{
	_cleanup_strv_ char **all = NULL;
	struct usage_row *rows;
	size_t n = 0, cap;
	int r;

	if (!names) {
		r = store_list(p, &all);
		if (r < 0)
			return r;
	}
	cap = strv_length(names ? names : all);
	rows = calloc(cap + 1, sizeof(*rows));
	if (!rows)
		return -ENOMEM;
	for (size_t i = 0; i < cap; i++) {
		const char *name = names ? names[i] : all[i];

		if (names && store_exists(p, name) <= 0) {
			usage_free(rows, n);
			return log_error_errno(-ENOENT, "container \"%s\" does not exist (in %s)",
					       name, p->store);
		}
		r = sample_one(p, name, &rows[n++]);
		if (r < 0) {
			usage_free(rows, n);
			return r;
		}
		if (!names && rows[n - 1].state == STATE_STOPPED)
			free(rows[--n].name);
	}
	*ret = rows;
	*ret_n = n;
	return 0;
}

void usage_free(struct usage_row *rows, size_t n)
{
	for (size_t i = 0; rows && i < n; i++)
		free(rows[i].name);
	free(rows);
}
