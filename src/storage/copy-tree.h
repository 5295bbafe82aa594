/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fast, faithful copy of a directory tree (a root filesystem). */
#pragma once

/*
 * Copy the tree at src_dirfd/src (a directory) to dst_dirfd/dst, which must
 * not exist. Preserves file types (regular, dir, symlink, fifo, socket,
 * char/block devices), owners, modes (incl. setuid/setgid/sticky, set after
 * chown), timestamps (atime/mtime, ns precision, dirs fixed up after their
 * contents), xattrs (incl. security.capability, restored after chown; ACLs
 * travel as system.posix_acl_* xattrs), hardlinks (inside the tree), and
 * sparse files (holes stay holes). Uses reflink (FICLONE) when the
 * filesystem supports it, else copy_file_range, else read/write. Does not
 * cross mount points inside src. On failure the partial dst is left for the
 * caller to remove (the caller builds into a temporary name anyway).
 * Returns 0 or -errno; logs one line naming the path that failed.
 */
int copy_tree_at(int src_dirfd, const char *src, int dst_dirfd, const char *dst);
/* The same into dst_dirfd/dst, an existing directory (e.g. the root of a
 * freshly made filesystem; entries of the same name must not exist there).
 * Its owner, mode, timestamps and xattrs become those of src. */
int copy_tree_into_at(int src_dirfd, const char *src, int dst_dirfd, const char *dst);
