/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Mounting inside the container root (in-root.c), the layer below the setup
 * steps (mount.c, dev.c, extra.c, mask.c; not part of the module's contract).
 *
 * Every path inside the container root is resolved with openat2()
 * RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS on an O_PATH fd of the (self-bound)
 * rootfs, so a guest symlink such as /dev -> /tmp/x can never lead outside
 * the rootfs. Filesystems are created with the new mount API
 * (fsopen/fsconfig/fsmount, open_tree for binds) and attached with
 * move_mount() onto the resolved fd: no path is walked twice.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "mount/mount.h"

struct mount_ctx {
	const struct mount_spec *spec;
	int rootfd; /* O_PATH fd of the self-bound rootfs (top of the mount stack) */
};

/* How a missing mount target is created. */
enum mount_create {
	MOUNT_CREATE_NONE, /* must exist */
	MOUNT_CREATE_DIR,  /* mkdir -p inside the root */
	MOUNT_CREATE_FILE, /* parents mkdir -p, then an empty regular file */
};

/* Open path (absolute, inside the container root) with openat2 RESOLVE_IN_ROOT.
 * oflags e.g. O_PATH|O_DIRECTORY; O_CLOEXEC is added. Returns fd or -errno;
 * does not log. */
int mount_openat_root(const struct mount_ctx *ctx, const char *path, int oflags);

/* Resolve (and create, per how) a mount target; returns an O_PATH fd or
 * -errno, logging what failed. */
int mount_target(const struct mount_ctx *ctx, const char *path, enum mount_create how);

/* Create a new filesystem instance (fsopen fstype; options "k=v,flag,..."
 * each passed to fsconfig; attr MOUNT_ATTR_*) and attach it on path.
 * Logs and returns -errno on failure. */
int mount_new_fs(const struct mount_ctx *ctx, const char *fstype, const char *source,
		 const char *options, unsigned attr, const char *path, enum mount_create how);

/* Attach the detached mount mntfd (from fsmount/open_tree) on path. Logs. */
int mount_attach(const struct mount_ctx *ctx, int mntfd, const char *what, const char *path,
		 enum mount_create how);

/* Bind the object referred to by srcfd (any fd, e.g. a pty slave) onto path,
 * with attr (MOUNT_ATTR_RDONLY...). Logs. */
int mount_bind_fd(const struct mount_ctx *ctx, int srcfd, const char *what, const char *path,
		  unsigned attr, enum mount_create how);

/* mount_setattr on a detached mount (AT_RECURSIVE if recursive); -errno, no log. */
int mount_set_attr(int mntfd, unsigned set, unsigned clr, bool recursive);

/* Bind path (inside the root) onto itself with attributes set/cleared. Logs. */
int mount_rebind(const struct mount_ctx *ctx, const char *path, unsigned attr_set,
		 unsigned attr_clr);
