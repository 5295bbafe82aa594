/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Hooks: the programs of the config's hooks.<moment> lists, run in order at
 * lifecycle moments (doc/man/sysc-hooks.7). Each entry is an absolute path
 * followed by optional arguments separated by blanks (no quoting). A hook
 * runs with stdin from /dev/null in its own process group, with a clean
 * environment (PATH and the SYSC_* variables below); its stdout and stderr
 * go to the container's log (<store>/<name>/monitor.log, one line each); at
 * hooks.timeout seconds its whole process group is killed.
 *
 * The first hook that fails (non-zero exit, killed, timed out, cannot be
 * executed) stops the list; hooks_run() then logs
 *   hook PATH (MOMENT) failed: exit N: <its last lines>
 * and returns -errno, and the caller aborts its step (start, create,
 * clone, destroy) and rolls back. Stop hooks cannot abort a stop.
 *
 * Environment: SYSC_NAME, SYSC_HOOK (the moment), SYSC_PATH (the store),
 * SYSC_CONFIG, SYSC_ROOTFS (host paths of the container's config and rootfs
 * directory), SYSC_ROOTFS_MOUNT (pre_mount, mount: where the rootfs is
 * mounted in the hook's mount namespace; start: "/"), SYSC_TARGET (stop,
 * post_stop: "stop" or "reboot"), and the caller's extra entries (stop:
 * SYSC_NS_<NS> namespace paths; clone: SYSC_SOURCE).
 *
 * Calling it, e.g. from sysc-copy after the clone is complete, before it is
 * published, and rolling back on failure:
 *
 *   char *extra[] = {"SYSC_SOURCE=src", NULL};
 *   struct hooks_ctx h = {.store = p->store, .conf = new_conf, .entry = workdir_entry,
 *                         .env = extra};
 *   r = hooks_run(&h, HOOK_CLONE);
 *   if (r < 0) goto rollback;   (the message is logged)
 */
#pragma once

#include <stddef.h>
#include <sys/types.h>

struct sysc_conf;

enum hook_moment {
	HOOK_PRE_START, /* host, before the cgroups and namespaces exist */
	HOOK_PRE_MOUNT, /* container's mount namespace, rootfs mounted, nothing on it */
	HOOK_MOUNT,	/* container's mount namespace, everything mounted, before pivot_root */
	HOOK_START,	/* inside the container (path in its root), just before init execs */
	HOOK_STOP,	/* host, init gone, its namespaces kept (SYSC_NS_*) */
	HOOK_POST_STOP, /* host, after everything is torn down */
	HOOK_CREATE,	/* host, container made, before it appears in the store */
	HOOK_CLONE,	/* host, clone made by sysc-copy, before it appears */
	HOOK_DESTROY,	/* host, before anything of the container is removed */
	HOOK_MOMENT_MAX,
};

struct hooks_ctx {
	const char *store;	      /* SYSC_PATH */
	const struct sysc_conf *conf; /* name, hooks.<moment>, hooks.timeout */
	/* the container's directory (SYSC_CONFIG = <entry>/config, SYSC_ROOTFS =
	 * <entry>/rootfs, log <entry>/monitor.log); NULL: <store>/<name> */
	const char *entry;
	const char *rootfs_mount; /* SYSC_ROOTFS_MOUNT, or NULL */
	const char *target;	  /* SYSC_TARGET, or NULL */
	char *const *env;	  /* more VAR=VALUE entries, or NULL */
	char *error;		  /* if not NULL: the failure message is also put here */
	size_t error_size;
};

const char *hook_moment_name(enum hook_moment m);
/* The hooks of a moment in the config (NULL or empty: none). */
char *const *hooks_list(const struct sysc_conf *conf, enum hook_moment m);
/* Run the moment's hooks in order. 0 when all succeeded (or there are none). */
int hooks_run(const struct hooks_ctx *ctx, enum hook_moment m);

/* For create, clone (and imports): load the new container's config from
 * <entry>/config (entry: the work entry, not yet published) and run its
 * hooks of that moment; env: more VAR=VALUE or NULL. A failure (logged)
 * means the caller rolls the new container back. */
struct sysc_paths;
int hooks_run_new(const struct sysc_paths *p, const char *entry, enum hook_moment m,
		  char *const *env);

/* A stopped container's namespaces, held open by the monitor so stop hooks can
 * enter them: SYSC_NS_MNT, _PID, _NET, _UTS, _IPC, _CGROUP = /proc/<pid>/fd/<fd>. */
#define HOOKS_N_NS 6
struct hooks_ns {
	int fd[HOOKS_N_NS];
	char *env[HOOKS_N_NS + 1];
};
void hooks_ns_init(struct hooks_ns *ns);
/* Open /proc/<pid>/ns/... of a running init (logs). */
int hooks_ns_open(struct hooks_ns *ns, pid_t pid);
void hooks_ns_close(struct hooks_ns *ns);
/* Take over namespace fds opened by hooks_ns_open() in this process before
 * an exec (fd[i] < 0: none), as if opened now. */
int hooks_ns_adopt(struct hooks_ns *ns, const int fd[HOOKS_N_NS]);
