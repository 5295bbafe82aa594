/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tar archives of root filesystems (the only user of libarchive).
 *
 * Writing: pax format, optionally compressed; a directory tree goes in with
 * owners, modes, timestamps (ns), xattrs (incl. security.capability, and
 * ACLs as their system.posix_acl_* xattrs), hardlinks, symlinks, device
 * nodes, fifos and sparse files (holes are not stored). Sockets are left
 * out with a warning (tar has no type for them).
 *
 * Reading: any tar (pax, GNU, ustar; any compression libarchive knows);
 * ACLs stored as ACL records by other tools (GNU tar --acls, bsdtar) are
 * restored as the system.posix_acl_* xattrs.
 * Extraction never trusts the archive: every entry is created by us relative
 * to a directory fd of the target, its parent resolved with openat2()
 * RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS|RESOLVE_NO_MAGICLINKS|RESOLVE_NO_XDEV,
 * the last component created with O_EXCL/O_NOFOLLOW (an existing
 * non-directory of that name is replaced, never written through). Refused,
 * with a message naming the archive and the entry: absolute paths, ".."
 * components, paths through a symlink, hardlinks to anything outside the
 * target or to directories, paths or link targets longer than PATH_MAX,
 * oversized xattrs, device nodes the policy does not allow, truncated or
 * corrupt data. Directory metadata is applied after their contents.
 */
#pragma once

#include "util/cleanup.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tar_compression {
	TAR_COMPRESSION_AUTO = -1, /* zstd when available, else gzip */
	TAR_COMPRESSION_NONE,
	TAR_COMPRESSION_GZIP,
	TAR_COMPRESSION_XZ,
	TAR_COMPRESSION_ZSTD,
};

/* "zstd", "xz", "gzip", "none" -> the value, or -EINVAL. */
int tar_compression_parse(const char *s);
/* From a file name's extension (.tar.zst, .tzst, .tar.xz, .txz, .tar.gz,
 * .tgz, .tar); TAR_COMPRESSION_AUTO when it says nothing. */
int tar_compression_for_path(const char *path);

/* Which device nodes an extraction creates. */
enum tar_devices {
	TAR_DEVICES_NONE, /* no character or block device */
	TAR_DEVICES_SAFE, /* only null, zero, full, random, urandom, tty, console, ptmx */
	TAR_DEVICES_ALL,
};
/* "none", "safe", "all" -> the value, or -EINVAL. */
int tar_devices_parse(const char *s);

/* A checksum of the paths and file data of a tree as archived (64-bit
 * FNV-1a over 8-byte words), independent of the archive's encoding and
 * compression: zstd frames written by libarchive carry no checksum, and pax
 * extended headers have none either. */
struct tar_sum {
	uint64_t h;
	uint8_t tail[8];
	size_t n_tail;
};
void tar_sum_init(struct tar_sum *s);
void tar_sum_add(struct tar_sum *s, const void *data, size_t len);
uint64_t tar_sum_final(const struct tar_sum *s);

struct tar_writer;
/* Write an archive to fd (not closed); name is for messages. */
int tar_writer_open(int fd, const char *name, int compression, struct tar_writer **ret);
struct userns_shift;
/* Archive owners (and the ids in ACLs and file capabilities) as shift
 * translates them from those on disk (kept by the caller). */
void tar_writer_set_shift(struct tar_writer *w, const struct userns_shift *shift);
/* A small regular file (mode 0644 or mode, root-owned); its path and data
 * are added to the checksum. */
int tar_writer_add_data(struct tar_writer *w, const char *path, const void *data, size_t len,
			unsigned mode);
/* The tree at dirfd as prefix/ (prefix itself carries the directory's
 * metadata). Does not cross mount points. tree_name is for messages. */
int tar_writer_add_tree(struct tar_writer *w, const char *prefix, int dirfd, const char *tree_name);
/* The checksum of everything written so far (tar_writer_add_data and
 * tar_writer_add_tree). */
uint64_t tar_writer_sum(const struct tar_writer *w);
/* Finish the archive (trailer, compressor flush). */
int tar_writer_close(struct tar_writer *w);
void tar_writer_free(struct tar_writer *w);
/* Entries and bytes of file data written so far. */
void tar_writer_stats(const struct tar_writer *w, unsigned long long *entries,
		      unsigned long long *bytes);

struct tar_reader;
/* Read an archive from fd (not closed); name is for messages. */
int tar_reader_open(int fd, const char *name, struct tar_reader **ret);
/* The next entry must be a regular file called path of at most max bytes:
 * its contents, NUL-terminated, added to the checksum with the path as
 * tar_writer_add_data does. -EBADMSG (logged) when it is something else. */
int tar_reader_read_data(struct tar_reader *r, const char *path, size_t max, char **ret_data,
			 size_t *ret_len);
struct tar_extract_opts {
	/* Only entries under this top-level directory ("rootfs"), which maps
	 * to the target; any other entry is refused. NULL: the whole archive
	 * is the tree ("./" prefixes allowed). */
	const char *prefix;
	enum tar_devices devices;
	/* Stop before an entry of this name (the trailer after the tree),
	 * which tar_reader_read_data then reads; NULL: extract to the end. */
	const char *stop_at;
};
/* Extract every remaining entry into the empty directory root_fd. Stops at
 * the first refused entry or error (logged); the caller removes the target.
 * Checks interrupt_pending(). */
int tar_reader_extract(struct tar_reader *r, int root_fd, const struct tar_extract_opts *o);
/* The checksum of the entries read so far (comparable to tar_writer_sum). */
uint64_t tar_reader_sum(const struct tar_reader *r);
/* Start the checksum again from here (archives whose checksum covers only
 * what follows). */
void tar_reader_sum_reset(struct tar_reader *r);
void tar_reader_free(struct tar_reader *r);
DEFINE_CLEANUP_FUNC(struct tar_reader *, tar_reader_free)
/* Entries and bytes of file data read so far. */
void tar_reader_stats(const struct tar_reader *r, unsigned long long *entries,
		      unsigned long long *bytes);
