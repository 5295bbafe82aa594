/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Creating the container's init: clone3 into new namespaces and its cgroup,
 * the child's setup (hostname, root, ttys), and exec. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct sysc_conf;
struct cgroup_set;
struct storage_ops;
struct storage_ctx;
struct hooks_ctx;

#define SPAWN_MAX_TTYS 64

struct spawn_params {
	const struct sysc_conf *conf;
	const char *rootfs; /* host path of the container root: <entry>/rootfs */
	const char *entry;  /* the container's store entry */
	/* the storage backend, which mounts the rootfs in the child's mount
	 * namespace when it needs mounting (overlay, lvm) */
	const struct storage_ops *storage;
	const struct storage_ctx *storage_ctx;
	char *const *cmd;  /* init command line */
	int console_slave; /* host pty slave for /dev/console */
	struct cgroup_set *cg;
	/* unprivileged (conf has an idmap): init gets a user namespace; after
	 * clone3 the id maps are written and prepare_root(host_data, pid,
	 * userns_fd) returns the rootfs as a detached idmapped mount tree,
	 * which the child attaches (it cannot idmap anything itself) */
	bool userns;
	int (*prepare_root)(void *data, pid_t pid, int userns_fd);
	/* host-side setup between clone3 and the child's "go" (network links) */
	int (*host_setup)(void *data, pid_t pid);
	/* after host_setup: the IPv4 (network order) the guest's resolv.conf
	 * names, 0 none */
	uint32_t (*host_nameserver)(void *data);
	void *host_data;
	/* lxcfs mount whose resource views the container gets, or NULL */
	const char *views_dir;
	/* the runtime directory: init's security policy is saved there for
	 * sysc-attach (security_policy_save) before init exists */
	const char *run_dir;
	/* pre_mount, mount and start hooks run in the child */
	const struct hooks_ctx *hooks;
};

struct spawn_result {
	pid_t pid; /* host pid of init */
	int pidfd;
	unsigned n_ttys;
	int tty_masters[SPAWN_MAX_TTYS]; /* masters of the container's /dev/pts/N */
};

/*
 * Start init. Returns once init has exec'd (0) or failed (-errno; the child
 * has said what went wrong on stderr and has been reaped). The tty masters
 * were allocated inside the container's devpts, so they are /dev/pts/0..N-1
 * there, listed in $container_ttys.
 */
int spawn_init(const struct spawn_params *p, struct spawn_result *ret);
