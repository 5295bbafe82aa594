/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The container's /dev: a private tmpfs with the standard character devices,
 * a devpts newinstance with /dev/ptmx -> pts/ptmx, /dev/console and
 * /dev/ttyN bound from the monitor's pty slaves, the fd/std* links, /dev/shm
 * and /dev/mqueue.
 *
 * Device nodes are made with mknod (a fresh inode in our tmpfs, so a chmod
 * inside the container never reaches the host's node), copying the host
 * node's device number and mode; where mknod is refused (EPERM: a user
 * namespace later on) the host's node is bind-mounted onto an empty file.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "mount/in-root.h"
#include "mount/mount-internal.h"
#include "security/devices.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strv.h"

#define TTY_GID_DEFAULT 5

static const char *const dev_nodes[] = {"null", "zero", "full", "random", "urandom", "tty"};

static const struct {
	const char *name, *target;
} dev_links[] = {
	{"fd", "/proc/self/fd"},       {"stdin", "/proc/self/fd/0"}, {"stdout", "/proc/self/fd/1"},
	{"stderr", "/proc/self/fd/2"}, {"ptmx", "pts/ptmx"},
};

static int bind_host_node(const struct mount_ctx *ctx, const char *name)
{
	_cleanup_close_ int fd = -EBADF;
	char host[64], path[64];

	snprintf(host, sizeof(host), "/dev/%s", name);
	snprintf(path, sizeof(path), "/dev/%s", name);
	fd = open(host, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return log_error_errno(negative_errno(), "open host %s: %m", host);
	return mount_bind_fd(ctx, fd, host, path, 0, MOUNT_CREATE_FILE);
}

static int make_node(const struct mount_ctx *ctx, int devfd, const char *name)
{
	const char *root = ctx->spec->rootfs;
	char host[64];
	struct stat st;

	snprintf(host, sizeof(host), "/dev/%s", name);
	if (stat(host, &st) < 0)
		return log_error_errno(negative_errno(), "stat host %s: %m", host);
	if (!S_ISCHR(st.st_mode))
		return log_error_errno(-ENODEV, "host %s is not a character device", host);
	if (mknodat(devfd, name, S_IFCHR | 0600, st.st_rdev) < 0) {
		if (errno == EPERM)
			return bind_host_node(ctx, name);
		return log_error_errno(negative_errno(), "mknod %s/dev/%s (%u:%u): %m", root, name,
				       major(st.st_rdev), minor(st.st_rdev));
	}
	/* Explicit mode: the umask must not matter. */
	if (fchmodat(devfd, name, st.st_mode & 07777, 0) < 0)
		return log_error_errno(negative_errno(), "chmod %s/dev/%s: %m", root, name);
	return 0;
}

/* A node the monitor could only pass as the detached tmpfs holding it
 * (Linux before 6.15, devices_node_tree): attached on a scratch directory
 * of our /dev (no process of the container exists yet), the node bound
 * from there, the scratch mount detached again. By fd: as the mapped root
 * we may not walk the host's path to the rootfs. */
static int bind_node_from_dir(const struct mount_ctx *ctx, int tree, const char *path)
{
	_cleanup_close_ int dev = -EBADF, top = -EBADF, node = -EBADF;
	char proc[64];
	int r;

	r = mount_attach(ctx, tree, "devices.create", "/dev/.sysc-node", MOUNT_CREATE_DIR);
	if (r < 0)
		return r;
	top = mount_openat_root(ctx, "/dev/.sysc-node", O_PATH | O_DIRECTORY);
	if (top < 0)
		return log_error_errno(top, "devices.create: %s: open the scratch mount: %m", path);
	node = openat(top, strrchr(path, '/') ? strrchr(path, '/') + 1 : path,
		      O_PATH | O_NOFOLLOW | O_CLOEXEC);
	r = node < 0 ? log_error_errno(negative_errno(),
				       "devices.create: %s: no node from the monitor: %m", path)
		     : mount_bind_fd(ctx, node, path, path, 0, MOUNT_CREATE_FILE);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", top);
	dev = mount_openat_root(ctx, "/dev", O_PATH | O_DIRECTORY);
	if (umount2(proc, MNT_DETACH) < 0 || dev < 0 ||
	    unlinkat(dev, ".sysc-node", AT_REMOVEDIR) < 0)
		return log_error_errno(dev < 0 ? dev : negative_errno(),
				       "devices.create: remove %s/dev/.sysc-node: %m",
				       ctx->spec->rootfs);
	return r;
}

/* Unprivileged (no mknod in a user namespace): devices.create entries are
 * nodes the monitor made (devices_node_tree), bind-mounted. */
static int bind_created_devices(const struct mount_ctx *ctx)
{
	char *const *create = ctx->spec->bind_devices;

	for (size_t i = 0; create && create[i]; i++) {
		struct devices_node n;
		int r = devices_parse_create(create[i], &n);
		int tree = ctx->spec->device_trees ? ctx->spec->device_trees[i] : -1;

		if (r < 0)
			return r;
		if (tree < 0)
			return log_error_errno(
				-ENODEV, "devices.create: %s: no node from the monitor", n.path);
		struct stat st;
		if (fstat(tree, &st) < 0)
			return log_error_errno(negative_errno(), "devices.create: %s: fstat: %m",
					       n.path);
		r = S_ISDIR(st.st_mode)
			    ? bind_node_from_dir(ctx, tree, n.path)
			    : mount_bind_fd(ctx, tree, n.path, n.path, 0, MOUNT_CREATE_FILE);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The tty group of the guest (its /etc/group, read inside the root). */
static unsigned tty_gid(const struct mount_ctx *ctx)
{
	_cleanup_fclose_ FILE *f = NULL;
	char line[512];
	struct stat st;
	int fd;

	fd = mount_openat_root(ctx, "/etc/group", O_RDONLY | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return TTY_GID_DEFAULT;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !(f = fdopen(fd, "re"))) {
		close(fd);
		return TTY_GID_DEFAULT;
	}
	while (fgets(line, sizeof(line), f)) {
		char *end;
		unsigned long gid;

		if (strncmp(line, "tty:", 4) != 0)
			continue;
		end = strchr(line + 4, ':'); /* skip the password field */
		if (!end)
			break;
		gid = strtoul(end + 1, &end, 10);
		if (*end == ':' && gid < 65536)
			return (unsigned)gid;
		break;
	}
	return TTY_GID_DEFAULT;
}

static int setup_pts(const struct mount_ctx *ctx)
{
	char opts[128];

	snprintf(opts, sizeof(opts), "newinstance,ptmxmode=0666,mode=0620,gid=%u", tty_gid(ctx));
	return mount_new_fs(ctx, "devpts", "devpts", opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC,
			    "/dev/pts", MOUNT_CREATE_DIR);
}

static int setup_ttys(const struct mount_ctx *ctx)
{
	const struct mount_spec *spec = ctx->spec;
	char path[32], what[32];
	int r;

	if (spec->console_fd >= 0) {
		r = mount_bind_fd(ctx, spec->console_fd, "console pty", "/dev/console", 0,
				  MOUNT_CREATE_FILE);
		if (r < 0)
			return r;
	}
	for (unsigned i = 0; i < spec->n_ttys; i++) {
		snprintf(path, sizeof(path), "/dev/tty%u", i + 1);
		snprintf(what, sizeof(what), "tty%u pty", i + 1);
		r = mount_bind_fd(ctx, spec->tty_fds[i], what, path, 0, MOUNT_CREATE_FILE);
		if (r < 0)
			return r;
	}
	return 0;
}

static int setup_nodes_and_links(const struct mount_ctx *ctx)
{
	_cleanup_close_ int devfd = -EBADF;
	int r;

	devfd = mount_target(ctx, "/dev", MOUNT_CREATE_NONE);
	if (devfd < 0)
		return devfd;
	for (size_t i = 0; i < ARRAY_SIZE(dev_nodes); i++) {
		r = make_node(ctx, devfd, dev_nodes[i]);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < ARRAY_SIZE(dev_links); i++)
		if (symlinkat(dev_links[i].target, devfd, dev_links[i].name) < 0)
			return log_error_errno(negative_errno(), "symlink %s/dev/%s -> %s: %m",
					       ctx->spec->rootfs, dev_links[i].name,
					       dev_links[i].target);
	return 0;
}

int mount_setup_dev(const struct mount_ctx *ctx)
{
	int r;

	r = mount_new_fs(ctx, "tmpfs", "tmpfs", "mode=0755,size=4m,nr_inodes=64k",
			 MOUNT_ATTR_NOSUID | MOUNT_ATTR_STRICTATIME, "/dev", MOUNT_CREATE_DIR);
	if (r < 0)
		return r;
	r = setup_nodes_and_links(ctx);
	if (r < 0)
		return r;
	r = setup_pts(ctx);
	if (r < 0)
		return r;
	r = mount_new_fs(ctx, "tmpfs", "tmpfs", "mode=1777",
			 MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_STRICTATIME, "/dev/shm",
			 MOUNT_CREATE_DIR);
	if (r < 0)
		return r;
	r = setup_ttys(ctx);
	if (r < 0)
		return r;
	r = bind_created_devices(ctx);
	if (r < 0)
		return r;
	/* POSIX message queues of our IPC namespace; nice to have. */
	if (mount_new_fs(ctx, "mqueue", "mqueue", NULL,
			 MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, "/dev/mqueue",
			 MOUNT_CREATE_DIR) < 0)
		log_warn("continuing without /dev/mqueue");
	return 0;
}
