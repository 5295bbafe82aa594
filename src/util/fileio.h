/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* Read a whole (small) file at dirfd/path into a NUL-terminated buffer. */
int fileio_read_at(int dirfd, const char *path, char **ret_data, size_t *ret_len);
/* Write data to dirfd/path atomically: temp file, fsync, rename. */
int fileio_write_atomic_at(int dirfd, const char *path, const void *data, size_t len, mode_t mode);
/* The same without fsync: readers never see a partial file, but it may not
 * survive a crash (runtime state on /run). */
int fileio_replace_at(int dirfd, const char *path, const void *data, size_t len, mode_t mode);
/* Write a string to an existing file (e.g. a cgroup or proc knob). */
int fileio_write_string_at(int dirfd, const char *path, const char *s);
/* mkdir -p with mode; existing directories are fine. */
int fileio_mkdir_p(const char *path, mode_t mode);
/* Remove a tree below dirfd/name, not crossing mount points. Missing is fine. */
int fileio_rm_rf_at(int dirfd, const char *name);
/* renameat2(RENAME_NOREPLACE): -EEXIST when new exists. On filesystems
 * without it (FUSE, 9p, NFS: EINVAL) an existence check and renameat; the
 * caller holds the lock that keeps anyone else from making new. */
int fileio_rename_noreplace(int olddirfd, const char *old, int newdirfd, const char *new);
/* Full write/read loops that retry on EINTR and short counts. */
int fileio_write_all(int fd, const void *buf, size_t len);
ssize_t fileio_read_all(int fd, void *buf, size_t len);
/* A new memfd (close-on-exec) holding data, at offset 0; -errno. */
int fileio_memfd(const char *name, const void *data, size_t len);

#include <stdint.h>
#include <sys/stat.h>
/* fstatat() plus the entry's mount ID (0 when unknown). A mount point is
 * told by its mount ID, not by st_dev: on overlayfs a file's st_dev is its
 * layer's, and a btrfs subvolume has its own, neither being a mount point.
 * flags: AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH. Returns 0 or -errno. */
int fileio_stat_mnt(int dirfd, const char *name, int flags, struct stat *st, uint64_t *mnt_id);
