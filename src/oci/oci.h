/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sysc-oci: the runc-compatible OCI runtime mode. A container here is an
 * OCI bundle (config.json + rootfs) run without a sysc monitor: its init is
 * a child of the caller (containerd's shim, conmon), created stopped before
 * exec and released by `start`.
 *
 *   spec.c          config.json (and exec's process.json, update's
 *                   resources) -> struct oci_spec; the only user of json-c
 *   seccomp-json.c  the OCI seccomp object -> struct seccomp_profile
 *   state.c         the state directory under --root, status judgement and
 *                   runc's state JSON
 *   init.c          the container's init: namespaces, mounts, devices, the
 *                   process policy, the exec fifo
 *   runtime.c       the operations (create, start, kill, delete, exec, ...)
 *                   called by src/cli/oci.c
 */
#pragma once

#include "util/cleanup.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct seccomp_profile;
struct cgroup_limit;
struct devices_rule;

#define OCI_VERSION	      "1.0.2"
#define OCI_DEFAULT_ROOT      "/run/sysc-oci"
#define OCI_SYSTEM_ANNOTATION "run.sysc.system-container"

struct oci_rlimit {
	int resource;
	uint64_t soft, hard;
};

struct oci_process {
	bool terminal;
	char **args;
	char **env;
	char *cwd;
	uid_t uid;
	gid_t gid;
	gid_t *groups;
	size_t n_groups;
	bool has_umask;
	mode_t umask;
	bool has_caps;
	uint64_t cap_bounding, cap_effective, cap_permitted, cap_inheritable, cap_ambient;
	struct oci_rlimit *rlimits;
	size_t n_rlimits;
	bool no_new_privs;
	bool has_oom_score_adj;
	int oom_score_adj;
	char *apparmor; /* refused when set: no LSM here */
};

struct oci_mount {
	char *destination;
	char *type;
	char *source;
	char **options;
	/* parsed from options */
	unsigned long flags;	     /* MS_* (propagation excluded) */
	unsigned long propagation;   /* MS_PRIVATE|MS_REC ..., 0: none asked */
	unsigned attr_set, attr_clr; /* MOUNT_ATTR_* */
	bool bind, rbind;
	bool tmpcopyup; /* tmpfs: the directory's content copied in (runc's extension) */
	bool idmap;	/* bind: idmapped for the container's user namespace */
	char *data;	/* "mode=755,size=65536k" */
};

struct oci_hook {
	char *path;
	char **args;
	char **env;
	int timeout; /* seconds, 0: none */
};

enum oci_hook_kind {
	OCI_HOOK_PRESTART,
	OCI_HOOK_CREATE_RUNTIME,
	OCI_HOOK_CREATE_CONTAINER,
	OCI_HOOK_START_CONTAINER,
	OCI_HOOK_POSTSTART,
	OCI_HOOK_POSTSTOP,
	OCI_HOOK_KINDS
};

struct oci_hooks {
	struct oci_hook *list[OCI_HOOK_KINDS];
	size_t n[OCI_HOOK_KINDS];
};

struct oci_namespace {
	int type; /* CLONE_NEW* */
	char *path;
};

struct oci_idmap {
	uint32_t container_id, host_id, size;
};

struct oci_device {
	char *path;
	char type; /* c, b, u, p */
	int64_t major, minor;
	bool has_mode, has_uid, has_gid;
	mode_t mode;
	uid_t uid;
	gid_t gid;
};

/* linux.resources: limits in cgroup v2 vocabulary (cgroup.h), the device
 * rules of the cgroup, and whether devices were given at all */
struct oci_resources {
	struct cgroup_limit *limits;
	size_t n_limits;
	struct devices_rule *devices;
	size_t n_devices;
	bool has_devices;
};

struct oci_spec {
	char *oci_version;
	struct oci_process process;
	bool has_process;
	char *root_path; /* absolute */
	bool root_readonly;
	char *hostname, *domainname;
	struct oci_mount *mounts;
	size_t n_mounts;
	struct oci_hooks hooks;
	char **annotations; /* key, value, key, value ... */
	struct oci_namespace *namespaces;
	size_t n_namespaces;
	struct oci_idmap *uid_mappings, *gid_mappings;
	size_t n_uid_mappings, n_gid_mappings;
	char *cgroups_path;
	struct oci_resources resources;
	struct oci_device *devices;
	size_t n_devices;
	char **sysctl; /* key, value, ... */
	char **masked_paths, **readonly_paths;
	char *rootfs_propagation;
	char *mount_label;
	struct seccomp_profile *seccomp;
	bool system_container; /* args[0] is an init, or the annotation says so */
};

/* Parse bundle/config.json. root.path is made absolute against bundle.
 * Errors name the file and the field ("config.json: process.args: ..."). */
int oci_spec_load(const char *bundle, struct oci_spec **ret);
/* dir/config.json, e.g. the copy saved at create; root.path is made absolute against bundle.
 * A read error says "cannot read <what><path>". */
int oci_spec_load_from(const char *dir, const char *bundle, const char *what,
		       struct oci_spec **ret);
int oci_spec_parse(const char *file, const char *text, const char *bundle, struct oci_spec **ret);
void oci_spec_free(struct oci_spec *s);
DEFINE_CLEANUP_FUNC(struct oci_spec *, oci_spec_free)
/* exec --process FILE: one process object. */
int oci_process_parse(const char *file, const char *text, struct oci_process *ret);
void oci_process_done(struct oci_process *p);
/* update --resources: one linux.resources object. */
int oci_resources_parse(const char *file, const char *text, struct oci_resources *ret);
void oci_resources_done(struct oci_resources *r);
/* The annotation's value, or NULL. */
const char *oci_annotation(const struct oci_spec *s, const char *key);
/* Does the spec ask for namespace type (CLONE_NEW*)? Its entry or NULL. */
const struct oci_namespace *oci_spec_namespace(const struct oci_spec *s, int type);
/* Signal by name ("TERM", "SIGTERM", "RTMIN+3") or number; -EINVAL. */
int oci_signal_parse(const char *s);

/* The OCI seccomp object (as a json_object *), -> a sysc seccomp profile. */
int oci_seccomp_from_json(const char *file, void *json, struct seccomp_profile **ret);

/* ---- state (state.c) ---- */

enum oci_status { OCI_CREATING, OCI_CREATED, OCI_RUNNING, OCI_PAUSED, OCI_STOPPED };

struct oci_state {
	char *id;
	char *dir; /* <root>/<id> */
	pid_t pid;
	uint64_t starttime; /* /proc/PID/stat field 22, tells a reused pid */
	char *bundle;
	char *rootfs;
	char *created; /* RFC 3339 */
	uid_t owner;
	char *cgroup_parent, *cgroup_name;
	char **annotations;
	bool system_container;
	enum oci_status status; /* judged by oci_state_load */
};

const char *oci_status_name(enum oci_status s);
/* Check an id: non-empty, no '/', not "." or "..", at most 1024 bytes. */
int oci_id_valid(const char *id);
/* Load <root>/<id>/state.json and judge the status. -ENOENT (logged as
 * "container ID does not exist") when there is none. */
int oci_state_load(const char *root, const char *id, struct oci_state **ret);
int oci_state_save(const struct oci_state *st);
void oci_state_free(struct oci_state *st);
DEFINE_CLEANUP_FUNC(struct oci_state *, oci_state_free)
/* runc's state JSON (status given) as a malloc'd string. */
char *oci_state_json(const struct oci_state *st, enum oci_status status, bool pretty);
/* start time of pid (field 22 of /proc/PID/stat); 0 if gone. */
uint64_t oci_pid_starttime(pid_t pid);
/* List every id under root. */
int oci_state_list(const char *root, char ***ret);

/* ---- hooks (runtime.c) ---- */
/* Run hooks of one kind with the state JSON on stdin. Logs. */
/* In the state directory: the state the startContainer hooks get (written
 * by create, read by init after the fifo) */
#define OCI_START_STATE "start-state.json"
int oci_hooks_run(const struct oci_hook *hooks, size_t n, const char *state_json);

/* ---- init (init.c) ---- */

struct oci_init_params {
	const struct oci_spec *spec;
	const char *id;
	const char *state_dir; /* holds exec.fifo */
	int console_sock;      /* --console-socket, or -1 */
	bool no_pivot;
	bool no_new_keyring;
	unsigned preserve_fds;
	int cgroup_v2_fd; /* -1 if none */
	struct cgroup_set *cg;
	/* run between the namespaces being made and the setup (prestart,
	 * createRuntime hooks); pid is init's host pid */
	int (*runtime_hooks)(void *data, pid_t pid);
	void *data;
};

/* The rootfs as the new user namespace of init (pid) is to see it: a
 * detached idmapped tree in *ret_tree (an overlay made again over idmapped
 * layers), or -1 when the root needs none (no mapping of 0, or the root is
 * already owned by the mapped ids). Returns 0 or -errno (logged). (idmap.c) */
int oci_idmapped_root(const struct oci_spec *s, pid_t pid, int *ret_tree);
/* A bind mount's source (its flags set) idmapped for the user namespace of
 * pid: the tree in *ret_tree. Returns 0 or -errno (logged). (idmap.c) */
int oci_idmapped_bind(const struct oci_mount *m, pid_t pid, int *ret_tree);

/* Make the container's init: returns its host pid once it waits on the exec
 * fifo, or -errno after its error was printed. */
int oci_init_create(const struct oci_init_params *p, pid_t *ret_pid);

/* In the container's new process: a pty from its devpts, the master sent to
 * console_sock (SCM_RIGHTS), the slave made stdio, the controlling terminal
 * and (init) /dev/console. */
int oci_console_setup(int console_sock, bool bind_console);
/* The seccomp filter compiled (NULL when none), before the fifo. */
int oci_seccomp_prepare(const struct seccomp_profile *seccomp, void **ret_prog);
/* The process as asked: cwd, umask, capabilities, user, no_new_privs, the
 * filter prog (freed by exec), fds above 2 + preserve_fds closed on exec;
 * then exec. Returns -errno (logged) only on failure. */
int oci_exec_process(const struct oci_process *pr, void *prog, unsigned preserve_fds);

/* ---- operations (runtime.c) ---- */

struct oci_opts {
	const char *root;
	bool systemd_cgroup;
};

struct oci_create_opts {
	const char *bundle;
	const char *pid_file;
	const char *console_socket;
	bool no_pivot;
	bool no_new_keyring;
	unsigned preserve_fds;
};

int oci_create(const struct oci_opts *o, const char *id, const struct oci_create_opts *c);
int oci_start(const struct oci_opts *o, const char *id);
int oci_print_state(const struct oci_opts *o, const char *id);
int oci_kill(const struct oci_opts *o, const char *id, int sig, bool all);
int oci_delete(const struct oci_opts *o, const char *id, bool force);
int oci_pause(const struct oci_opts *o, const char *id, bool pause);
int oci_ps(const struct oci_opts *o, const char *id, bool json, char *const *ps_args);
int oci_list(const struct oci_opts *o, bool json, bool quiet);
int oci_update(const struct oci_opts *o, const char *id, const char *resources_file);
int oci_features(void);

struct oci_exec_opts {
	const char *process_file;
	bool detach;
	const char *pid_file;
	bool tty;
	const char *console_socket;
	char **env;
	const char *user; /* "uid[:gid]" */
	const char *cwd;
	char **caps;
	bool no_new_privs;
	unsigned preserve_fds;
	char **args;
};
int oci_exec(const struct oci_opts *o, const char *id, const struct oci_exec_opts *e);
