/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/freeze.h"
#include "cgroup/cgroup.h"
#include "lib/paths.h"
#include "util/cleanup.h"
#include "lib/state.h"
#include "lib/store.h"
#include "util/log.h"

#include <errno.h>
#include <string.h>

int freeze_container(const struct sysc_paths *p, const char *name, bool frozen)
{
	struct cgroup_set *cg = NULL;
	struct state_info st;
	int r = store_read_state(p, name, &st);

	if (r < 0)
		return r;
	if (st.state == STATE_STOPPED)
		return log_error_errno(-ESRCH, "container %s is not running", name);
	if ((st.state == STATE_FROZEN) == frozen) {
		log_debug("container %s is already %s", name, frozen ? "frozen" : "running");
		return 0;
	}
	_cleanup_free_ char *key = paths_container_key(p, name);
	r = key ? cgroup_open(p->cgroup_parent, key, &cg) : -ENOMEM;
	if (r < 0)
		return log_error_errno(r, "cannot find the cgroups of %s: %m", name);
	r = cgroup_freeze(cg, frozen);
	if (r == -EOPNOTSUPP)
		log_error("cannot %s %s: the host has no cgroup freezer",
			  frozen ? "freeze" : "thaw", name);
	else if (r < 0)
		log_error_errno(r, "cannot %s %s: %m", frozen ? "freeze" : "thaw", name);
	cgroup_set_free(cg);
	return r;
}
