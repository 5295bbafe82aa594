/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Internals of the cgroup module. Layers, each using only those below it:
 *   host.c      what the host offers (v2, hybrid with its v1 mounts, none)
 *   cgroupfs.c  cgroup file parsing and the file/directory helpers
 *   cgroup2.c, cgroup1.c   the backends (struct cgroup_ops)
 *   limits-from-conf.c     config values -> limits in v2 vocabulary
 *   cgroup.c    the facade: runs every operation over the set's backends
 * The parsing helpers are declared here so the unit tests can reach them.
 */
#pragma once

#include "cgroup/cgroup.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CGROUP_FS_ROOT	   "/sys/fs/cgroup"
#define CGROUP_HYBRID_ROOT "/sys/fs/cgroup/unified"

enum cgroup_mode {
	CGROUP_MODE_NONE = 0, /* no usable v2 hierarchy (pure v1 or no cgroups) */
	CGROUP_MODE_V2,	      /* /sys/fs/cgroup is cgroup2 */
	CGROUP_MODE_HYBRID,   /* v1 controllers + cgroup2 at /sys/fs/cgroup/unified */
};

/* v1 controllers the container gets a directory in (bit mask). */
enum {
	CGROUP_V1_MEMORY = 1u << 0,
	CGROUP_V1_CPU = 1u << 1,
	CGROUP_V1_CPUACCT = 1u << 2,
	CGROUP_V1_CPUSET = 1u << 3,
	CGROUP_V1_PIDS = 1u << 4,
	CGROUP_V1_BLKIO = 1u << 5,
	CGROUP_V1_DEVICES = 1u << 6,
	CGROUP_V1_FREEZER = 1u << 7,
	/* no controller: the named hierarchy systemd keeps in a hybrid or
	 * legacy layout; a nesting container's systemd needs its own cgroup
	 * there (LXC gives it one too) */
	CGROUP_V1_NAMED_SYSTEMD = 1u << 8,
};

/* One mounted v1 hierarchy of the host. */
struct cgroup_v1_mount {
	char *path;    /* mount point, e.g. /sys/fs/cgroup/memory */
	unsigned mask; /* CGROUP_V1_* controllers it carries */
};

/* The container's directory in one v1 hierarchy. */
struct cgroup_v1_dir {
	const char *root; /* mount point of the hierarchy (host's, not owned) */
	char *path;	  /* absolute path of the container's cgroup */
	unsigned mask;
	int fd;	      /* O_PATH|O_DIRECTORY, -EBADF when absent */
	int tasks_fd; /* its "tasks", open for writing (cgroup_v1_join_open), or -EBADF */
};

struct cgroup_set {
	enum cgroup_mode mode;
	char *parent; /* normalized: "sysc" or "a/b", no leading/trailing '/' */
	char *name;
	char *relpath; /* "/<parent>/<name>" */
	char *v2_path; /* absolute */
	int v2_fd;     /* O_PATH|O_DIRECTORY, -EBADF when absent */
	struct cgroup_v1_dir *v1;
	size_t n_v1;
	const struct cgroup_ops *ops[2];
	size_t n_ops;
};

/* One backend: the v2 hierarchy, or the set of v1 hierarchies. Functions log
 * their own failures (they know the path); the facade does not log again. */
struct cgroup_ops {
	const char *name;
	/* clone3(CLONE_INTO_CGROUP) places a child in it (cgroup_attach_v1 skips it) */
	bool by_clone;
	/* Fill in paths and open what exists: 1 if something exists, 0 if not. */
	int (*open)(struct cgroup_set *cg);
	/* Create parents and the container's cgroup (the leaf must not exist). */
	int (*create)(struct cgroup_set *cg);
	int (*attach)(struct cgroup_set *cg, pid_t pid);
	/* 1 if any process is in the cgroups (any depth), 0 if none. */
	int (*populated)(struct cgroup_set *cg);
	int (*freeze)(struct cgroup_set *cg, bool frozen);
	/* 1 if frozen or freezing, 0 if not or unknown. */
	int (*frozen)(struct cgroup_set *cg);
	/* One round of SIGKILL to everything inside (frozen or not). */
	int (*kill)(struct cgroup_set *cg);
	/* rmdir the container's cgroup depth-first, then empty parents. */
	int (*remove)(struct cgroup_set *cg);
	/* Fill only fields still UINT64_MAX. */
	void (*stats)(struct cgroup_set *cg, struct cgroup_stats *st);
	void (*close)(struct cgroup_set *cg);
	/* Limits, in v2 vocabulary (cgroup.h). has_limit: does this backend take
	 * key (v2: its cgroup has the file; v1: every key, translated)? set_limit
	 * logs naming the key; get_limit does not, -ENOENT: no such controller. */
	bool (*has_limit)(struct cgroup_set *cg, const char *key);
	int (*set_limit)(struct cgroup_set *cg, const char *key, const char *value);
	int (*get_limit)(struct cgroup_set *cg, const char *key, char **ret);
};

extern const struct cgroup_ops cgroup_v2_ops;
extern const struct cgroup_ops cgroup_v1_ops;

/* Host facts (host.c). */
enum cgroup_mode cgroup_host_mode(void);
/* The v1 hierarchies of a hybrid host (empty elsewhere). */
const struct cgroup_v1_mount *cgroup_host_v1_mounts(size_t *ret_n);

/* v1 mountinfo parsing (host.c). */
/* Controller mask of a mount's super options ("rw,cpu,cpuacct"). */
unsigned cgroup_v1_controller_mask(const char *opts);
/* Name of one CGROUP_V1_* bit ("memory"), "?" for anything else. */
const char *cgroup_v1_controller_name(unsigned bit);
/* The v1 hierarchies carrying our controllers, in mountinfo order, one per
 * hierarchy (later bind mounts of the same controllers are skipped). */
int cgroup_v1_parse_mountinfo(const char *text, struct cgroup_v1_mount **ret, size_t *ret_n);
void cgroup_v1_mounts_free(struct cgroup_v1_mount *m, size_t n);

/* The container's path (cgroup.c). */
/* "/<parent>/<name>"; rejects empty names, "." and ".." components, '/' in name. */
int cgroup_build_relpath(const char *parent, const char *name, char **ret_parent, char **ret);

/* Parsing helpers (cgroupfs.c). */
/* A decimal number or "max" (UINT64_MAX); surrounding whitespace allowed. */
int cgroup_parse_u64(const char *s, uint64_t *ret);
/* The value of "key value" lines (cgroup.events, cpu.stat, memory.stat). */
int cgroup_parse_keyed_u64(const char *text, const char *key, uint64_t *ret);
/* Call fn for every pid of a cgroup.procs text; stops on fn < 0. */
int cgroup_parse_pids(const char *text, int (*fn)(pid_t pid, void *ud), void *ud);

/* Sum of "rbytes=" / "wbytes=" (v2 io.stat) or "Read" / "Write" (v1 blkio) lines. */
int cgroup_parse_io_bytes(const char *text, uint64_t *ret_read, uint64_t *ret_write);

/* File helpers (cgroupfs.c); dirfd may be O_PATH. */
int cgroup_read_u64_at(int dirfd, const char *file, uint64_t *ret);
int cgroup_read_keyed_u64_at(int dirfd, const char *file, const char *key, uint64_t *ret);
int cgroup_write_at(int dirfd, const char *file, const char *value);
/* Walk cgroup.procs of dirfd and every descendant cgroup; fn as above.
 * Missing/vanishing cgroups are skipped. */
int cgroup_walk_procs(int dirfd, int (*fn)(pid_t pid, void *ud), void *ud);
/* SIGKILL every process listed in dirfd's tree; returns how many were signalled. */
int cgroup_kill_procs(int dirfd);
/* 1 if any process is listed in dirfd's tree. */
int cgroup_has_procs(int dirfd);
/* rmdir dirfd/name and all cgroups below it, deepest first, retrying on EBUSY
 * for a short while (exiting tasks). Missing is fine. */
int cgroup_rmdir_tree(int dirfd, const char *name);
/* rmdir root/parent, then its ancestors up to root, while they are empty. */
void cgroup_rmdir_parents(const char *root, const char *parent);
/* mkdir root/<relpath> level by level; for every level call fn(parentfd, fd,
 * created, ud) (fds are O_PATH). Returns an O_PATH fd of the leaf, which must
 * not exist yet (-EEXIST). */
int cgroup_mkdir_chain(const char *root, const char *relpath,
		       int (*fn)(int parentfd, int fd, bool created, void *ud), void *ud);
/* Sleep ms milliseconds (EINTR resumed); time it with monotonic_ms(). */
void cgroup_sleep_ms(unsigned ms);

/* ---- limits (limits-from-conf.c: config -> v2 values; cgroup1.c: the v1 translation) ---- */

#define CGROUP_V1_MAX_WRITES 4

/* One write into a v1 hierarchy. alt: a file to use instead when file is
 * missing (blkio.weight -> blkio.bfq.weight on kernels without CFQ). */
struct cgroup_v1_write {
	unsigned ctrl; /* CGROUP_V1_* */
	const char *file;
	const char *alt;
	char value[64];
};

/* What the translation needs to know of the container's v1 memory cgroup:
 * memsw is memory + swap there, so memory.max and memory.swap.max move it. */
struct cgroup_v1_now {
	uint64_t mem_limit;   /* memory.limit_in_bytes, UINT64_MAX = unlimited */
	uint64_t memsw_limit; /* memory.memsw.limit_in_bytes, UINT64_MAX = unlimited */
};

/* Translate one limit in v2 vocabulary (key "memory.max", value as written
 * to the v2 file: "67108864", "max", "50000 100000", "8:0 rbps=1048576")
 * into the v1 writes, in the order they must happen. -EINVAL for a value
 * that is not v2 syntax, -EDOM for memory.swap.max without a memory limit
 * (v1 can limit swap only as memory + swap), -EOPNOTSUPP for an unknown key. */
int cgroup_v1_translate(const char *key, const char *value, const struct cgroup_v1_now *now,
			struct cgroup_v1_write out[CGROUP_V1_MAX_WRITES], size_t *ret_n);
/* cpu.weight (1..10000) <-> cpu.shares (2..262144), as systemd and crun do. */
uint64_t cgroup_weight_to_shares(uint64_t weight);
uint64_t cgroup_shares_to_weight(uint64_t shares);
/* io.weight (1..10000) <-> blkio.weight (10..1000). */
uint64_t cgroup_weight_to_blkio(uint64_t weight);
uint64_t cgroup_blkio_to_weight(uint64_t bw);
/* v1 "no limit" values of memory.*limit_in_bytes are huge page-aligned numbers. */
#define CGROUP_V1_MEM_UNLIMITED 0x7FFFFFFFFFFFF000ULL

/* ---- CPU pinning (pin.c) ---- */

/* CPU numbers handled (the config's cpuset lists go up to 8191). */
#define CGROUP_PIN_MAX_CPUS 8192
/* "0-3,5\n" -> set (cleared first); -EINVAL/-ERANGE for a bad list. */
int cgroup_cpulist_parse(const char *s, bool set[CGROUP_PIN_MAX_CPUS]);
/* set -> "0-3,5" ("" when empty); NULL when out of memory. */
char *cgroup_cpulist_format(const bool set[CGROUP_PIN_MAX_CPUS]);
/* The n CPUs of allowed with the lowest load (ties: lowest number), all of
 * allowed when it has no more than n, as a list. */
int cgroup_pin_choose(const bool allowed[CGROUP_PIN_MAX_CPUS],
		      const unsigned load[CGROUP_PIN_MAX_CPUS], unsigned n, char **ret);
/* How many CPUs c's cpu.max asks for: ceil(QUOTA / PERIOD); 0 without a quota. */
unsigned cgroup_pin_count(const struct conf_cgroup *c);
/* Pin to n CPUs chosen as above (0: every CPU of the parent). */
int cgroup_pin_cpus(struct cgroup_set *cg, unsigned n);
