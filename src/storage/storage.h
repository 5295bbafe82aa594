/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Storage backends: one file per backend behind this ops table. A backend
 * owns how a container's root filesystem is made from a template cache, how it
 * is made visible for a start, how it is cloned and snapshotted, and how it is
 * removed.
 *
 * Everything a backend keeps about one root filesystem lives in an *entry*
 * directory, so an entry can be renamed (create's hidden work dir -> the
 * container; destroy's move away) without telling the backend:
 *
 *   <entry>/rootfs     the root filesystem (dir: a directory; btrfs: a
 *                      subvolume) or the empty mount point where a backend
 *                      mounts it (overlay, lvm)
 *   <entry>/storage/   backend-private state (overlay: upper, work, lower;
 *                      lvm: the volume's name), absent for dir and btrfs
 *
 * A container's entry is <store>/<name>; a snapshot's is
 * <store>/<name>/snapshots/<snap>.
 *
 * Backends that mount (ops->mount != NULL) only ever mount in a private mount
 * namespace: the container's own (the monitor's child, before pivot_root), or
 * that of a command that works on a stopped rootfs (storage_private_ns), so a
 * mount never leaks to the host and vanishes with the process that made it.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct sysc_global;

struct storage_ctx {
	const struct sysc_global *global; /* lvm.vg, lvm.thinpool */
	const char *name;		  /* container name (messages, volume names) */
	const char *store;		  /* store path (btrfs: derived caches live here) */
	const char *cache;		  /* template cache directory */
	uint64_t size;			  /* rootfs.size, 0 = backend default */
	const char *fstype;		  /* rootfs.fstype (lvm): "ext4" or "xfs" */
};

/* A template cache as the template made it: <cache>/<key>/rootfs, a plain
 * directory. Backends with a faster form (btrfs read-only subvolume, lvm thin
 * volume) derive it once from this, under storage_lock_cache(). */
struct storage_cache {
	const char *key;
	const char *rootfs; /* absolute path of the directory */
};

enum {
	STORAGE_CLONE_SNAPSHOT = 1 << 0, /* require copy-on-write (fail if impossible) */
	STORAGE_CLONE_READONLY = 1 << 1, /* the copy is a point-in-time snapshot */
};

struct storage_ops {
	const char *name;
	/* > 0 if this backend can be used with this store, 0 if not (with
	 * explain, logs why as an error naming the store or tool at fault),
	 * -errno on error. */
	int (*usable)(const struct storage_ctx *ctx, bool explain);
	/* Make <entry>/rootfs (and <entry>/storage) from the template cache.
	 * Neither exists; on failure nothing is left of them. */
	int (*create_from_cache)(const struct storage_ctx *ctx, const struct storage_cache *cache,
				 int entry_fd);
	/* Make an empty, mountable <entry>/rootfs (to be filled by a template
	 * or a copy). On failure nothing is left. */
	int (*create_empty)(const struct storage_ctx *ctx, int entry_fd);
	/* Host-side preparation before a start or a mount (lvm: activate the
	 * volume and open its filesystem as a detached mount, since mount may
	 * run in the container's device cgroup). What it opened in this process
	 * is kept for mount until release. Optional. */
	int (*activate)(const struct storage_ctx *ctx, int entry_fd);
	/* Close what activate kept (the monitor, once its child has its own
	 * copy). Optional. */
	void (*release)(void);
	/* Mount the root filesystem on <entry_path>/rootfs in the caller's
	 * (private) mount namespace. NULL: it is always there (dir, btrfs). */
	int (*mount)(const struct storage_ctx *ctx, int entry_fd, const char *entry_path);
	/* Copy the stopped rootfs of entry src to entry dst (same backend; dst
	 * has neither rootfs nor storage). Copy-on-write where the backend can;
	 * flags STORAGE_CLONE_*. The caller has mounted nothing. On failure
	 * nothing is left in dst. */
	int (*clone)(const struct storage_ctx *src_ctx, int src_entry_fd,
		     const struct storage_ctx *dst_ctx, int dst_entry_fd, unsigned flags);
	/* Remove <entry>/rootfs, <entry>/storage and everything they own
	 * (nested subvolumes, volumes). Missing is fine. Nothing is mounted. */
	int (*destroy)(const struct storage_ctx *ctx, int entry_fd);
	/* > 0 if the entry uses template cache key (cannot be removed), 0 if
	 * not. Optional (NULL: entries never depend on their cache). */
	int (*uses_cache)(const struct storage_ctx *ctx, int entry_fd, const char *key);
	/* Remove the backend's derived form of cache key, if any. Optional. */
	int (*remove_cache)(const struct storage_ctx *ctx, const char *key);
	/* Unprivileged containers: a detached mount tree (open_tree fd) of the
	 * rootfs as user namespace userns_fd sees it (idmapped), made in a
	 * private mount namespace. Optional: NULL means mount (if the backend
	 * mounts), open_tree and MOUNT_ATTR_IDMAP, which works for every
	 * filesystem that supports idmapped mounts; overlay idmaps its layers
	 * instead (an overlay mount itself cannot be idmapped). */
	int (*idmapped_tree)(const struct storage_ctx *ctx, int entry_fd, const char *entry_path,
			     int userns_fd, uid_t root_uid, gid_t root_gid);
};

extern const struct storage_ops storage_dir_ops;
extern const struct storage_ops storage_btrfs_ops;
extern const struct storage_ops storage_overlay_ops;
extern const struct storage_ops storage_lvm_ops;

/* Look a backend up by name; "best" (or NULL) picks for the store: btrfs
 * when the store is on btrfs, else dir. NULL if unknown (the caller reports
 * the name). */
const struct storage_ops *storage_find(const char *name, const struct storage_ctx *ctx);
/* Names of all backends, for messages and validation. */
const char *const *storage_backend_names(void);

/* Move the calling process into a private mount namespace whose mounts do
 * not propagate to the host (once; later calls do nothing). For commands
 * that mount a stopped container's rootfs. Call it before opening the fds
 * that are to see the mounts: a directory fd opened in the host's namespace
 * keeps resolving there, under the mount points. */
int storage_private_ns(void);
/* Make <entry_path>/rootfs show the root filesystem (activate + mount) in
 * a private mount namespace (storage_private_ns() first). */
int storage_mount_entry(const struct storage_ops *ops, const struct storage_ctx *ctx, int entry_fd,
			const char *entry_path);
/* ops->release, when the backend has one. */
void storage_release(const struct storage_ops *ops);
/* Undo storage_mount_entry (nothing to do for backends that do not mount). */
int storage_unmount_entry(const struct storage_ops *ops, const char *entry_path);
/* The rootfs of an entry as a detached mount tree (open_tree clone), not
 * idmapped; mounts of the backend are made in the caller's private mount
 * namespace (storage_private_ns first) and detached again, the tree keeps
 * them alive. Returns the tree fd or -errno (logged). */
int storage_plain_tree(const struct storage_ops *ops, const struct storage_ctx *ctx, int entry_fd,
		       const char *entry_path);
/* The rootfs of an entry as user namespace userns_fd is to see it: a
 * detached tree idmapped for it (see idmapped_tree). -EOPNOTSUPP (not
 * logged) when the filesystem cannot be idmapped: the caller shifts owners
 * on a storage_plain_tree() (userns/shift.h). Other errors -errno, logged. */
int storage_userns_tree(const struct storage_ops *ops, const struct storage_ctx *ctx, int entry_fd,
			const char *entry_path, int userns_fd, uid_t root_uid, gid_t root_gid);
/* open_tree(OPEN_TREE_CLONE|AT_RECURSIVE) of dirfd/path, idmapped for
 * userns_fd. Returns the tree fd or -errno (logged, naming what). */
int storage_idmap_clone(int dirfd, const char *path, int userns_fd, const char *what);

/* Lock template cache key for a backend's derived form: <cache>/<key>.<backend>.lock.
 * Returns the lock fd (close to release) or -errno (logged). */
int storage_lock_cache(const struct storage_ctx *ctx, const char *backend, const char *key);
/* fileio_rm_rf_at() that also deletes the btrfs subvolumes (read-only ones
 * too) inside the tree, e.g. in a killed create's or destroy's leftovers;
 * it never deletes into a mount point (-EBUSY). */
int storage_rm_rf_at(int dirfd, const char *name);
/* Run an external tool (lvm2, mkfs, ...) with argv; its stderr is captured
 * and, on failure, logged as "what: TOOL failed: exit N: <last lines>".
 * Returns 0, or -EIO on a non-zero exit, -errno if it cannot run. stdout is
 * returned in *ret_out when ret_out is not NULL. */
int storage_run(const char *what, char *const argv[], char **ret_out);

/* sysc-storage init lvm: make volume group vg on device (when vg does not
 * exist; the device must be unused and hold no signature) and thin pool
 * pool in it (when missing). Logs its errors; undoes what it made. */
int storage_lvm_prepare(const char *vg, const char *device, const char *pool);
