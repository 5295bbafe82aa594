/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The chown-shift fallback of unprivileged containers: on a filesystem that
 * cannot be idmapped (9p, NFS, FUSE, tmpfs before 6.3), the rootfs's owners
 * are rewritten on disk once, from the mapping the files have ("from") to
 * the one they need ("to"), and the result is recorded in the config
 * (rootfs.shifted) so later starts cost nothing. The same translation
 * rewrites the ids in POSIX ACLs (system.posix_acl_*) and the root id of
 * namespaced file capabilities (security.capability v3), and keeps the
 * setuid/setgid bits chown would clear.
 *
 * A mapping with no entries is the identity (ids on disk are the container's
 * own). An id the "from" mapping does not cover, or whose container id "to"
 * does not map, is left alone: with disjoint host ranges an interrupted
 * shift can be run again and finishes the job.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct conf_idmap;

struct userns_shift {
	const struct conf_idmap *from;
	size_t n_from;
	const struct conf_idmap *to;
	size_t n_to;
};

/* "b:0:1000000:65536,u:..." (kind u, g or b; container:host:count) -> the
 * entries (malloc'd; none for ""). -EINVAL for bad text. */
int userns_shift_parse(const char *text, struct conf_idmap **ret, size_t *ret_n);
/* The text form of entries ("" for none); NULL on ENOMEM. */
char *userns_shift_format(const struct conf_idmap *m, size_t n);
/* Do two mappings say the same (entry by entry)? */
bool userns_shift_equal(const struct conf_idmap *a, size_t na, const struct conf_idmap *b,
			size_t nb);
/* Does the shift change anything, and are its host ranges disjoint (so a
 * rerun is safe)? 1 / 0, or -EINVAL (logged, naming what) when they overlap. */
int userns_shift_check(const struct userns_shift *s, const char *what);
/* id (kind 'u' or 'g') as the shift translates it. */
uint32_t userns_shift_id(const struct userns_shift *s, char kind, uint32_t id);
/* Translate the ids inside an xattr value in place (POSIX ACLs, v3
 * security.capability); true if it changed. */
bool userns_shift_xattr(const struct userns_shift *s, const char *name, void *value, size_t len);
/* Shift every inode of the tree at dirfd (not crossing mount points).
 * what names the tree in messages. Returns the number of inodes changed,
 * or -errno (logged). */
long userns_shift_tree(const struct userns_shift *s, int dirfd, const char *what);
