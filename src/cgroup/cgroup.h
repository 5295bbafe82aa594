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

#include "util/cleanup.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct cgroup_set;

struct cgroup_stats {
	uint64_t memory_current; /* bytes, UINT64_MAX if unknown */
	uint64_t memory_peak;	 /* bytes, UINT64_MAX if unknown */
	uint64_t cpu_usec;	 /* total CPU time, UINT64_MAX if unknown */
	uint64_t pids_current;	 /* UINT64_MAX if unknown */
	uint64_t pids_max;	 /* UINT64_MAX = max/unlimited */
	uint64_t io_read_bytes;	 /* UINT64_MAX if unknown */
	uint64_t io_write_bytes; /* UINT64_MAX if unknown */
};

struct conf_cgroup;

/* Create the container's cgroups (parent dirs as needed; parent NULL: at the
 * top of each hierarchy, for OCI's cgroupsPath "/name"). A stale, empty
 * cgroup of the same name (left by a crash) is removed first; one that
 * still has processes gives -EBUSY. Logs failures naming the path. */
int cgroup_create(const char *parent, const char *name, struct cgroup_set **ret);
/* Open the existing cgroups of a container (for stop/info after a monitor
 * crash). -ENOENT if it has none. */
int cgroup_open(const char *parent, const char *name, struct cgroup_set **ret);
void cgroup_set_free(struct cgroup_set *cg);
DEFINE_CLEANUP_FUNC(struct cgroup_set *, cgroup_set_free)

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
/* A child about to become the container's init (or sysc-attach's
 * intermediate) moves itself into the v1 hierarchies (hybrid hosts;
 * nothing to do elsewhere): the parent opens the container's "tasks" files
 * before the fork (cgroup_v1_join_open; logs), the
 * single-threaded child writes "0" to each (cgroup_v1_join, which closes
 * them; logs), the parent closes its copies (cgroup_v1_join_close). The
 * same move as cgroup_attach_v1(), without its cost: a pid written to
 * cgroup.procs is migrated under the kernel's global threadgroup rwsem,
 * whose write lock waits for an RCU grace period (~10 ms a start here),
 * while a thread that moves itself through "tasks" does not take it. */
int cgroup_v1_join_open(struct cgroup_set *cg);
/* The same, except the hierarchy carrying the pids controller (which a
 * fork inside a full pids.max would fail in): sysc-attach's fallback. */
int cgroup_v1_join_open_except_pids(struct cgroup_set *cg);
int cgroup_v1_join(struct cgroup_set *cg);
void cgroup_v1_join_close(struct cgroup_set *cg);
/* Is the pids controller a v1 hierarchy of its own here (hybrid hosts)? */
bool cgroup_v1_has_pids(struct cgroup_set *cg);
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

/* 1 if the container's cgroups are frozen (or freezing), 0 if not. */
int cgroup_frozen(struct cgroup_set *cg);
/* Is a container's cgroup frozen? 0 also when it has no cgroups. */
bool cgroup_is_frozen(const char *parent, const char *name);

/* Limits, in cgroup v2 vocabulary: keys "memory.max", "memory.high",
 * "memory.swap.max", "cpu.max", "cpu.weight", "cpuset.cpus", "cpuset.mems",
 * "pids.max", "io.max", "io.weight"; values as the v2 files take them.
 * Written to the v2 cgroup when it has the file, else translated for the v1
 * controller of a hybrid host (cgroup1.c). Failures are logged naming the
 * config key (cgroup.KEY) and the missing controller or file. */
struct cgroup_limit {
	const char *key; /* static */
	char *value;	 /* "67108864", "max", "50000 100000", "8:0 rbps=1048576" */
};
/* The limits a config sets, in the order they are applied; device paths of
 * io.max/io.weight resolved to MAJ:MIN (logged when they cannot be). */
int cgroup_limits_from_conf(const struct conf_cgroup *c, struct cgroup_limit **ret, size_t *ret_n);
void cgroup_limits_free(struct cgroup_limit *l, size_t n);
/* Apply every limit of c (before init runs). */
int cgroup_apply_limits(struct cgroup_set *cg, const struct conf_cgroup *c);
/* Apply only the limit key ("memory.max") of c, if c sets it (sysc-cgroup). */
int cgroup_apply_limit(struct cgroup_set *cg, const struct conf_cgroup *c, const char *key);
int cgroup_set_limit(struct cgroup_set *cg, const char *key, const char *value);
/* The current value of key as v2 text (several lines for io.max). */
int cgroup_get_limit(struct cgroup_set *cg, const char *key, char **ret);
/* Is key ("memory.max") one of the limit keys? */
bool cgroup_limit_key_known(const char *key);

/* CPU pinning (pin.c; resources.cpu_pinning): with pinning "auto" (or NULL),
 * a CPU quota in c (cpu.max QUOTA PERIOD) and no cpuset.cpus in c, pin the
 * container (cpuset.cpus) to ceil(QUOTA / PERIOD) CPUs of its parent
 * cgroup, those least used by the cpusets of the other containers under
 * the same parent (ties: lowest number). Without a quota nothing is done at
 * start; live (a sysc-cgroup change of cpu.max to "max") every CPU of the
 * parent is given back. Logs failures. */
int cgroup_apply_cpu_pinning(struct cgroup_set *cg, const struct conf_cgroup *c,
			     const char *pinning, bool live);

/* cpu.shares exactly as OCI gives it (v1 cpu.shares on hybrid hosts, the
 * nearest cpu.weight on v2). Logs. */
int cgroup_set_cpu_shares(struct cgroup_set *cg, uint64_t shares);
/* The pids in the container's cgroup (v2, any depth), for sysc-oci ps. */
int cgroup_pids(struct cgroup_set *cg, pid_t **ret, size_t *ret_n);

/* v1 devices controller (hybrid hosts): devices.deny "a", then each line
 * ("c 1:3 rwm") to devices.allow. -ENOENT when there is no devices
 * hierarchy (pure v2: src/security/devices-bpf.c does it). Logs failures. */
int cgroup_v1_devices_set(struct cgroup_set *cg, char *const *allow);

/* security.nesting on a hybrid host: the container's own directory in
 * every v1 hierarchy, with its cgroup.procs, tasks and cgroup.clone_children,
 * is given to uid/gid (its root), so it may make and limit cgroups below it;
 * its own limit files stay the host's. */
int cgroup_v1_delegate(struct cgroup_set *cg, uid_t uid, gid_t gid);
/* The host's v1 hierarchies as "NAME CONTROLLERS" (the mount point's last
 * component, the comma-separated controllers: "memory memory"), for
 * mounting them in a container; malloc'd strv, NULL when out of memory. */
char **cgroup_v1_mount_list(void);

/* Host facts. */
bool cgroup_host_is_hybrid(void);
/* Hybrid hosts: the i-th (from 0) v1 controller hierarchy sysc uses: its
 * host mount point (owned by the module) and its controllers as mount
 * options ("cpu,cpuacct", malloc'd; NULL when out of memory). false past the
 * last one (and on pure v2 hosts). */
bool cgroup_host_v1_hierarchy(size_t i, const char **ret_path, char **ret_controllers);
/* Absolute path of the host's v2 mount (/sys/fs/cgroup or /sys/fs/cgroup/unified);
 * NULL on hosts without one (cgroup_create then fails with -EOPNOTSUPP). */
const char *cgroup_host_v2_root(void);
