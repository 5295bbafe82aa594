/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Container and global configuration. src/config is the ONLY code that
 * includes <libconfig.h>; everything else sees these types.
 *
 * Key names follow the cgroup v2 vocabulary through nesting, since libconfig
 * setting names cannot contain dots: `cgroup = { memory = { max = "2G"; }; };`
 * is the key "cgroup.memory.max".
 *
 * Every function that fails because of something the user wrote logs one
 * line "FILE:LINE: KEY: reason" itself and returns -EINVAL; callers only
 * propagate the code.
 */
#pragma once

#include "util/cleanup.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define CONF_UNLIMITED UINT64_MAX /* "max" */
#define CONF_UNSET     (UINT64_MAX - 1)

struct conf_mount {
	char *source;
	char *target;
	char *type;    /* default "none" (bind) */
	char *options; /* comma-separated mount options, e.g. "bind,ro" */
};

/* One port forward of "ports" (conf_parse_port). */
struct conf_port {
	int proto;	    /* IPPROTO_TCP or IPPROTO_UDP */
	char host_addr[16]; /* IPv4; "" = every address of the host */
	uint16_t host_port, port;
};

struct conf_net {
	char *type;	 /* veth | macvlan | phys | empty | none */
	char *link;	 /* bridge (veth), parent (macvlan), host iface (phys) */
	char *name;	 /* name inside; default "eth0" */
	char *host_name; /* veth host end; default derived from container */
	char *mode;	 /* macvlan: bridge | private | vepa | passthru */
	char *hwaddr;	 /* NULL: derived */
	uint32_t mtu;	 /* 0: default */
	char **ipv4;	 /* "a.b.c.d/len" */
	char **ipv6;	 /* "x::y/len" */
	char *gateway4;
	char *gateway6;
	char **routes;	  /* "DEST via GW" */
	bool up;	  /* default true */
	bool create_link; /* create the bridge named by link if missing */
};

struct conf_idmap {
	char kind; /* 'u', 'g' or 'b' (both) */
	uint32_t container;
	uint32_t host;
	uint32_t count;
};

struct conf_cgroup {
	uint64_t memory_max; /* bytes, CONF_UNLIMITED, or CONF_UNSET */
	uint64_t memory_high;
	uint64_t memory_swap_max;
	uint64_t cpu_max_quota;	 /* usec per period, CONF_UNLIMITED, or CONF_UNSET */
	uint64_t cpu_max_period; /* usec, default 100000 */
	uint64_t cpu_weight;	 /* 1..10000, or CONF_UNSET */
	char *cpuset_cpus;	 /* validated list "0-3,5" */
	char *cpuset_mems;
	uint64_t pids_max; /* count, CONF_UNLIMITED, or CONF_UNSET */
	char **io_max;	   /* "DEVPATH rbps=.. wbps=.. riops=.. wiops=.." */
	char **io_weight;  /* "default 100" or "DEVPATH 200" */
};

struct conf_limit {
	char *name;    /* nofile, nproc, memlock, core, ... (RLIMIT_ without prefix, lowercase) */
	uint64_t soft; /* CONF_UNLIMITED for unlimited */
	uint64_t hard;
};

struct conf_sysctl {
	char *key; /* "net.ipv4.ip_forward" */
	char *value;
};

struct sysc_conf {
	char *file;	/* path of the container's config file */
	char *name;	/* container name */
	char *hostname; /* default: name */
	char *uuid;	/* container uuid, set at create */
	char *template; /* template it was created from (informational) */

	struct {
		char *backend; /* dir | btrfs | overlay | lvm */
		uint64_t size; /* bytes, 0 = default (lvm) */
		char *fstype;  /* lvm: ext4 | xfs */
		char *shifted; /* written by sysc: the idmap owners on disk are shifted
				* to ("" = none; see userns/shift.h) */
	} rootfs;

	struct {
		char **cmd;		  /* default ["/sbin/init"] */
		int halt_signal;	  /* default SIGRTMIN+3 */
		int reboot_signal;	  /* default SIGINT */
		unsigned stop_timeout;	  /* seconds, default 30 */
		unsigned reboot_burst;	  /* reboots allowed per reboot_interval, 0 = any */
		unsigned reboot_interval; /* seconds, default 10 */
		char **env;		  /* extra "VAR=VALUE" for init */
	} init;

	struct conf_cgroup cgroup;

	struct conf_limit *limits;
	size_t n_limits;
	struct conf_sysctl *sysctls;
	size_t n_sysctls;
	struct {
		char *views;	   /* "auto" (default), "lxcfs", "off" */
		char *cpu_pinning; /* "auto" (default), "off" */
	} resources;

	int oom_score_adj; /* -1000..1000, default 0 */
	bool oom_score_adj_set;

	struct conf_net *network;
	size_t n_network;
	char **ports; /* port forwards, "PROTO:[HOSTADDR:]HOSTPORT:PORT" */

	struct {
		char **drop; /* capability names, normalised without cap_ prefix */
		char **keep; /* mutually exclusive with drop */
	} capabilities;

	struct {
		char *profile; /* "default" | "none" | absolute path */
		bool allow_bpf;
	} seccomp;

	struct {
		char **allow;  /* "c 10:200 rwm" */
		char **create; /* "/dev/net/tun c 10:200 0666" */
	} devices;

	struct conf_mount *mounts;
	size_t n_mounts;

	struct {
		char **pre_start, **pre_mount, **mount, **start, **stop, **post_stop;
		char **create, **clone, **destroy;
		unsigned timeout; /* seconds, default 30 */
	} hooks;

	struct {
		unsigned ttys;	   /* default 0 */
		uint64_t buffer;   /* ring buffer bytes, default 128K */
		uint64_t log_size; /* rotate log at this size, default 1M */
	} console;

	struct {
		uint64_t log_size; /* rotate monitor.log at this size, default 1M */
	} monitor;

	struct {
		bool enabled;
		int order;
		unsigned delay; /* seconds after starting this one */
		char *group;	/* "" = none */
	} autostart;

	struct conf_idmap *idmap;
	size_t n_idmap;

	struct {
		bool privileged;   /* default true until unprivileged lands */
		bool no_new_privs; /* default false (systemd needs setuid binaries) */
		bool nesting;	   /* default false: runtimes inside (doc/security.md) */
	} security;
};

/* Global settings from /etc/sysc/sysc.conf. */
struct sysc_global {
	char *path;	       /* container store, default /var/lib/sysc */
	char *cache_dir;       /* template caches, default /var/cache/sysc */
	char *run_dir;	       /* runtime, default /run/sysc */
	char *state_dir;       /* host-wide state of all stores, default /var/lib/sysc/.host */
	char *default_backend; /* default "best" */
	char *lvm_vg;
	char *lvm_thinpool;
	char *bridge;	 /* the managed bridge made on demand, default "sysc0" */
	char **networks; /* managed networks: "NAME ipv4=CIDR|none ipv6=CIDR|none nat ..." */
	/* lxcfs mount point, default /var/lib/lxcfs */
	char *lxcfs_dir;
};

/* Is devices.create entry one that security.nesting added (/dev/fuse,
 * /dev/net/tun), not one of the config file's? */
bool conf_nesting_device(const struct sysc_conf *c, const char *entry);

/* Load a container config: default_file (may be NULL or not exist) merged
 * under file (groups merge key by key; scalars, arrays and lists replace),
 * then validated. On failure logs "FILE:LINE: KEY: reason" and returns -EINVAL
 * (or -errno for I/O errors, also logged). */
int conf_load(const char *default_file, const char *file, struct sysc_conf **ret);
void conf_free(struct sysc_conf *conf);
DEFINE_CLEANUP_FUNC(struct sysc_conf *, conf_free)
/* The same for a container's config file with its facts, facts_file (the
 * keys sysc records itself, see conf_key_is_fact(); NULL or missing: none)
 * merged over it: a fact set in both comes from facts_file. */
int conf_load_facts(const char *default_file, const char *file, const char *facts_file,
		    struct sysc_conf **ret);
/* The keys sysc records rather than the user (uuid, idmap, ...),
 * NULL-terminated; is KEY one of them or inside one? */
const char *const *conf_fact_keys(void);
bool conf_key_is_fact(const char *key);
/* The same for a config that has no name yet (a create's -f file). */
int conf_load_unnamed(const char *default_file, const char *file, struct sysc_conf **ret);

/* Config text from elsewhere (an archive's): refuses (logged, naming
 * file and line) an @include directive, with which libconfig would read a
 * file of this host's (or hang on a FIFO), and NUL bytes. */
int conf_check_foreign_text(const char *file, const char *text, size_t len);

/* Check one config file on its own (no merge), e.g. a user's -f file. */
int conf_check_file(const char *file);

/* Load /etc/sysc/sysc.conf (file may not exist: defaults). */
int conf_global_load(const char *file, struct sysc_global **ret);
void conf_global_free(struct sysc_global *g);

/* Is KEY a known key (full dotted path, e.g. "cgroup.memory.max")? */
bool conf_key_known(const char *key);
/* Print a one-paragraph description of KEY (type, default, example) to out.
 * Unknown key: logs with a "did you mean" and returns -ENOENT. */
int conf_key_help(const char *key, FILE *out);

/* Print the effective value of KEY in the merged view (libconfig syntax for
 * groups/lists, plain text for scalars; arrays one element per line), with
 * facts_file (NULL or missing: none) merged over file as conf_load_facts().
 * Unknown key: -ENOENT (logged, with did-you-mean); known but unset:
 * prints the default. */
int conf_get(const char *default_file, const char *file, const char *facts_file, const char *key,
	     FILE *out);
/* Print the whole effective config in libconfig syntax. */
int conf_dump(const char *default_file, const char *file, const char *facts_file, FILE *out);

/* Editing a config file: open (file NULL = empty), set keys from text values
 * (parsed according to the key's type: "2G", "[\"a\",\"b\"]", "true", ...;
 * validated exactly as on load), write atomically. */
struct conf_edit;
int conf_edit_open(const char *file, struct conf_edit **ret);
/* The same for the global keys of sysc.conf (a missing file is empty);
 * conf_edit_write() then validates against the global schema. */
int conf_global_edit_open(const char *file, struct conf_edit **ret);
int conf_edit_set(struct conf_edit *ed, const char *key, const char *value);
/* Merge the settings of a config file into the edit (groups merge key by
 * key; scalars, arrays and lists replace), as conf_load merges files. */
int conf_edit_merge_file(struct conf_edit *ed, const char *file);
/* For a line "a.b = VALUE;" of a file: "a = { b = VALUE; };" (malloc'd), the
 * nested form libconfig accepts; NULL if the line has no dotted name. */
char *conf_dotted_key_nested(const char *line);
/* Is KEY set in the edit (or replaced by a value above it)? */
bool conf_edit_has(struct conf_edit *ed, const char *key);
/* Remove KEY (back to default). */
int conf_edit_unset(struct conf_edit *ed, const char *key);
/* Validate the whole edited config merged over default_file, then write to
 * file atomically (mode 0644). Nothing is written when validation fails. */
int conf_edit_write(struct conf_edit *ed, const char *default_file, const char *file);
void conf_edit_free(struct conf_edit *ed);
DEFINE_CLEANUP_FUNC(struct conf_edit *, conf_edit_free)
/* A container's facts file to edit with conf_edit_set()/conf_edit_unset():
 * missing is empty (written with a header saying what the file is); every
 * setting must be a fact. */
int conf_facts_open(const char *file, struct conf_edit **ret);
/* Validate (facts only) and write atomically (mode 0644). */
int conf_facts_write(struct conf_edit *ed, const char *file);
/* Move the facts set in ed (a container's config) into facts, in tree and
 * text: one facts already holds is dropped from ed. Returns how many were
 * moved (0: ed holds none), or -errno (logged). */
int conf_edit_move_facts(struct conf_edit *ed, struct conf_edit *facts);
/* For a copy of container old_name: a host name equal to the old name and
 * fixed MAC addresses are removed, so they follow the new name. */
int conf_edit_new_identity(struct conf_edit *ed, const char *old_name);
/* Parse and validate one key's value (text as for conf_edit_set) into a
 * config where only that key is set, the rest unset or default; e.g. for a
 * live change of cgroup.memory.max with the config's own validation. */
int conf_parse_key(const char *key, const char *value, struct sysc_conf **ret);

/* Parse helpers shared with the CLI and cgroup code. */
int conf_parse_size(const char *s, uint64_t *ret); /* "512M", "2G", "1024", "max" */
int conf_parse_signal(const char *s, int *ret);	   /* "SIGRTMIN+3", "SIGTERM", "15" */
/* "TERM" (no "SIG", any case) -> SIGTERM; -ENOENT for a name it does not know (or RTMIN+n) */
int conf_signal_by_name(const char *name);
/* A port forward "PROTO:[HOSTADDR:]HOSTPORT:PORT"; -EINVAL with the reason. */
int conf_parse_port(const char *s, struct conf_port *ret, char *reason, size_t len);
