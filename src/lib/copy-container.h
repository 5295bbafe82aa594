/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copies of stopped containers (sysc-copy) and of snapshots (sysc-snapshot
 * -r SNAP -N NEWNAME). */
#pragma once

#include <stdbool.h>

struct sysc_paths;
struct storage_ops;
struct storage_ctx;

struct copy_opts {
	const char *src;
	const char *dst;
	const char *backend; /* NULL: the source's */
	bool snapshot;	     /* -s: copy-on-write or fail */
};

/* A stopped entry to copy: a container's, or a snapshot's (with its config). */
struct copy_source {
	const char *name;  /* container name (identity in the copy is replaced) */
	const char *entry; /* its entry path: <store>/<name>[/snapshots/<snap>] */
	const struct storage_ops *ops;
	const struct storage_ctx *ctx;
};

/* Copy stopped container o->src to a new container o->dst (new uuid, host
 * name, MAC addresses, machine-id); atomic like a create. */
int copy_container(const struct sysc_paths *p, const struct copy_opts *o);
/* A new container dst from src; flags STORAGE_CLONE_*. The caller holds
 * src's lock. */
int copy_from_source(const struct sysc_paths *p, const struct copy_source *src, const char *dst,
		     const char *backend, unsigned flags);
/* The identity a copy named new of container old gets inside its mounted
 * rootfs: /etc/hostname and /etc/hosts (where they say old), an empty
 * /etc/machine-id (systemd makes one from the new uuid). */
int copy_rootfs_new_identity(const char *rootfs, const char *old, const char *new);
/* -EBUSY (logged, "stop it before <what>") unless container name is stopped. */
int copy_check_stopped(const struct sysc_paths *p, const char *name, const char *what);
