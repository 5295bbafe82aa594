/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A container's cgroups: one facade over the cgroup v2 hierarchy (pure v2
 * hosts, or the "unified" v2 mount of a hybrid host) and, on hybrid hosts,
 * the v1 controller hierarchies (cgroup1.c). Callers never see which.
 *
 * Layout: <v2 root>/<parent>/<name> is the container's cgroup, delegated to
 * its init (mounted as cgroup2 at the guest's /sys/fs/cgroup inside its
 * cgroup namespace). On hybrid hosts the same relative path is created in
 * every v1 controller hierarchy present (memory, cpu, cpuacct, cpuset, pids,
 * blkio, devices, freezer; a comounted cpu,cpuacct counts once).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct cgroup_set;

struct cgroup_stats {
	uint64_t memory_current; /* bytes, UINT64_MAX if unknown */
	uint64_t memory_peak;	 /* bytes, UINT64_MAX if unknown */
	uint64_t cpu_usec;	 /* total CPU time, UINT64_MAX if unknown */
	uint64_t pids_current;	 /* UINT64_MAX if unknown */
	uint64_t pids_max;	 /* UINT64_MAX = max/unlimited */
};

/* Create the container's cgroups (parent dirs as needed). A stale, empty
 * cgroup of the same name (left by a crash) is removed first; one that
 * still has processes gives -EBUSY. Logs failures naming the path. */
int cgroup_create(const char *parent, const char *name, struct cgroup_set **ret);
/* Open the existing cgroups of a container (for stop/info after a monitor
 * crash). -ENOENT if it has none. */
int cgroup_open(const char *parent, const char *name, struct cgroup_set **ret);
void cgroup_set_free(struct cgroup_set *cg);

/* O_PATH|O_DIRECTORY fd of the v2 cgroup, for clone3 CLONE_INTO_CGROUP.
 * Owned by cg: do not close. */
int cgroup_v2_fd(const struct cgroup_set *cg);
/* Path of the v2 cgroup relative to the v2 root, e.g. "/sysc/d1". */
const char *cgroup_v2_relpath(const struct cgroup_set *cg);
/* Absolute path of the v2 cgroup directory. */
const char *cgroup_v2_path(const struct cgroup_set *cg);

/* Move pid into the container's cgroups in every hierarchy (v1 ones too).
 * With v1 hierarchies this must happen before the child unshares its
 * cgroup namespace. */
int cgroup_attach(struct cgroup_set *cg, pid_t pid);
/* Move pid into the v1 hierarchies only (the v2 part done by CLONE_INTO_CGROUP). */
int cgroup_attach_v1(struct cgroup_set *cg, pid_t pid);
/* Is there any process left in the container's cgroups (any hierarchy, any depth)? */
bool cgroup_populated(struct cgroup_set *cg);
/* SIGKILL every process in the container's cgroups (cgroup.kill when the
 * kernel has it, else by walking cgroup.procs, repeated until empty or
 * timeout_ms). Returns 0 once nothing is left, -ETIMEDOUT otherwise. */
int cgroup_kill_all(struct cgroup_set *cg, unsigned timeout_ms);
/* Remove the container's cgroups in every hierarchy, children (made by the
 * guest's systemd) first; also removes the parent when it became empty.
 * -EBUSY if processes are left. */
int cgroup_destroy(struct cgroup_set *cg);
int cgroup_stats(struct cgroup_set *cg, struct cgroup_stats *ret);
/* Freeze (true) or thaw (false) every process in the container's cgroups:
 * cgroup.freeze on v2, plus the v1 freezer hierarchy when there is one.
 * Freezing waits (up to 1 s) for the tasks to stop. */
int cgroup_freeze(struct cgroup_set *cg, bool frozen);

/* Host facts. */
bool cgroup_host_is_hybrid(void);
/* Absolute path of the host's v2 mount (/sys/fs/cgroup or /sys/fs/cgroup/unified);
 * NULL on hosts without one (cgroup_create then fails with -EOPNOTSUPP). */
const char *cgroup_host_v2_root(void);
