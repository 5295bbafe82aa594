/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The container's root: everything done inside the child (in its new mount
 * namespace, before exec of init) to present the API filesystems systemd's
 * Container Interface asks for, then pivot_root.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct conf_mount;

struct mount_spec {
	const char *name;   /* container name (messages) */
	const char *rootfs; /* host path of the container root directory */
	int rootfs_tree;    /* >= 0: the rootfs mount, already attached at rootfs
			       (unprivileged: the monitor's idmapped tree; also
			       tells that we are in a user namespace) */
	const char *uuid;   /* container uuid -> /run/host/container-uuid */
	int console_fd;	    /* pty slave (host devpts) bound to /dev/console, or -1 */
	const int *tty_fds; /* pty slaves bound to /dev/tty1..n_ttys */
	unsigned n_ttys;
	bool mount_cgroup2; /* mount cgroup2 at /sys/fs/cgroup (cgroupns already unshared) */
	bool host_netns;    /* shares the host's netns: /proc/sys/net stays read-only */
	/* lxcfs mount whose views are bound over /proc and /sys/devices/system/cpu
	 * files, or NULL (views.c) */
	const char *views_dir;
	bool nesting; /* security.nesting: uncovered proc and sysfs in /dev/.sysc */
	/* security.nesting on a hybrid host: the v1 hierarchies ("NAME
	 * CONTROLLERS", cgroup_v1_mount_list()) mounted under a tmpfs at
	 * /sys/fs/cgroup with cgroup2 at /sys/fs/cgroup/unified, instead of
	 * cgroup2 at /sys/fs/cgroup; NULL: cgroup2 there */
	char *const *cgroup_v1;
	const struct conf_mount *mounts; /* extra mounts from the config, after the API fs */
	size_t n_mounts;
	const int *mount_trees;	   /* NULL, or per mount: its prepared bind tree, or -1 */
	char *const *bind_devices; /* devices.create entries, made by the monitor (unprivileged) */
	const int *device_trees;   /* their nodes, as mount trees (-1: missing) */
	/* called when everything is mounted, just before pivot_root (the
	 * container's mount hooks); a failure (-errno, logged) fails the setup */
	int (*before_pivot)(void *data);
	void *before_pivot_data;
};

/*
 * In the child, in a fresh mount namespace: make the whole tree private
 * (MS_REC|MS_PRIVATE... slave), bind the rootfs onto itself, mount /proc
 * (with /proc/sys read-only except /proc/sys/net), /sys read-only,
 * /dev tmpfs (null zero full random urandom tty by bind from the host, ptmx
 * -> pts/ptmx, fd/stdin/stdout/stderr links, /dev/shm tmpfs), devpts
 * newinstance (ptmxmode=0666,mode=0620,gid=5), /dev/console and /dev/ttyN
 * bound to the given pty slaves, /run tmpfs with /run/host/{os-release,
 * container-manager ("sysc"), container-uuid}, cgroup2 at /sys/fs/cgroup,
 * the config's mounts; then pivot_root into the rootfs, detach the old root,
 * chdir("/").
 * On failure returns -errno and has logged one line saying what failed
 * (path and operation), e.g. "mount proc on /var/lib/sysc/d1/rootfs/proc: ...".
 */
int mount_setup_root(const struct mount_spec *spec);

/* Host side, before the container starts: the lxcfs mount whose views the
 * container gets (views "auto", "lxcfs" or "off", from resources.views;
 * lxcfs_dir from sysc.conf) in *ret, or NULL for none. "lxcfs" with no
 * lxcfs answering there: -errno, logged naming what to start. */
int mount_views_find(const char *name, const char *views, const char *lxcfs_dir, char **ret);

/* Unprivileged containers: the detached tree of config mount m when it is a
 * bind mount (idmapped for userns_fd with the "idmap" option), made by the
 * monitor (the child can neither idmap nor, as the mapped root, reach every
 * host path). -ENODATA: nothing to prepare (not a bind mount, or an optional
 * source is missing). */
struct conf_mount;
int mount_extra_bind_tree(const struct conf_mount *m, int userns_fd);
