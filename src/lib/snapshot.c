/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Point-in-time snapshots of a stopped container. A snapshot is an entry of
 * its own (storage/storage.h) in <store>/<name>/snapshots/<snap>/ with the
 * container's config of that moment, a creation time and an optional
 * comment; its rootfs is the backend's read-only clone (btrfs snapshot, lvm
 * thin snapshot, a copy of the overlay upper layer or of the dir).
 */
#include "lib/snapshot.h"
#include "config/config.h"
#include "lib/copy-container.h"
#include "lib/json.h"
#include "lib/lock.h"
#include "lib/paths.h"
#include "lib/store.h"
#include "storage/storage.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/name.h"
#include "util/strv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct snap_ctx {
	const struct sysc_paths *p;
	const char *name;
	struct sysc_conf *conf;
	const struct storage_ops *ops;
	struct storage_ctx sctx;
	int lock;
	char *entry; /* <store>/<name> */
	int entry_fd;
};

static void snap_ctx_done(struct snap_ctx *s)
{
	conf_free(s->conf);
	free(s->entry);
	CLOSE_FD(s->entry_fd);
	CLOSE_FD(s->lock);
}

/* Lock container name, check it is stopped, find its backend. */
static int snap_ctx_open(const struct sysc_paths *p, const char *name, bool need_stopped,
			 struct snap_ctx *s)
{
	int r;

	*s = (struct snap_ctx){.p = p, .name = name, .lock = -EBADF, .entry_fd = -EBADF};
	r = store_load_conf(p, name, &s->conf);
	if (r < 0)
		return r;
	s->lock = lock_container(p, name);
	if (s->lock < 0)
		return s->lock;
	if (need_stopped && (r = copy_check_stopped(p, name, "using its snapshots")) < 0)
		return r;
	r = store_storage(p, s->conf->rootfs.backend, s->conf, name, &s->sctx, &s->ops);
	if (r < 0)
		return r;
	s->entry = paths_container_dir(p, name);
	if (!s->entry)
		return -ENOMEM;
	s->entry_fd = open(s->entry, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->entry_fd < 0)
		return log_error_errno(-errno, "cannot open %s: %m", s->entry);
	return 0;
}

static int check_snap_name(const char *snap)
{
	const char *why = NULL;

	if (name_validate(snap, &why) < 0) {
		log_error("invalid snapshot name \"%s\": %s", snap, why);
		return -EINVAL;
	}
	return 0;
}

/* The snapshot's entry fd, or -ENOENT logged as "no snapshot SNAP of NAME". */
static int open_snap(const struct snap_ctx *s, const char *snap)
{
	_cleanup_free_ char *path = str_printf("snapshots/%s", snap);
	struct stat st;
	int fd, r = check_snap_name(snap);

	if (r < 0)
		return r;
	if (!path)
		return -ENOMEM;
	fd = openat(s->entry_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstatat(fd, "config", &st, 0) < 0) {
		r = -errno;
		if (fd >= 0)
			close(fd);
		if (r == -ENOENT)
			log_error("container %s has no snapshot \"%s\" (see sysc-snapshot %s -L)",
				  s->name, snap, s->name);
		else
			log_error_errno(r, "cannot open snapshot %s of %s: %m", snap, s->name);
		return r;
	}
	return fd;
}

/* The first free name snap0, snap1, ... */
static int next_snap_name(int snaps_fd, char *buf, size_t size)
{
	for (unsigned i = 0; i < 100000; i++) {
		struct stat st;

		snprintf(buf, size, "snap%u", i);
		if (fstatat(snaps_fd, buf, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT)
			return 0;
	}
	return -ENOSPC;
}

static int write_meta(int fd, const char *comment)
{
	char stamp[64];
	time_t now = time(NULL);
	struct tm tm;
	int r;

	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S%z\n", localtime_r(&now, &tm));
	r = fileio_write_atomic_at(fd, "created", stamp, strlen(stamp), 0644);
	if (r == 0 && comment) {
		_cleanup_free_ char *line = str_printf("%s\n", comment);
		r = line ? fileio_write_atomic_at(fd, "comment", line, strlen(line), 0644)
			 : -ENOMEM;
	}
	return r;
}

/* name (config, facts) from from_fd into to_fd; a missing facts file (a
 * container made before they had a file of their own) is copied as
 * missing: 0, or 1 if copied. */
static int copy_meta(int from_fd, int to_fd, const char *name)
{
	_cleanup_free_ char *data = NULL;
	size_t len;
	int r = fileio_read_at(from_fd, name, &data, &len);

	if (r == -ENOENT && strcmp(name, "facts") == 0)
		return 0;
	if (r == 0)
		r = fileio_write_atomic_at(to_fd, name, data, len, 0644);
	return r < 0 ? r : 1;
}

static int make_snapshot(struct snap_ctx *s, int snaps_fd, const char *tmp, const char *comment)
{
	_cleanup_close_ int fd = openat(snaps_fd, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return log_error_errno(-errno, "cannot open %s/snapshots/%s: %m", s->entry, tmp);
	r = s->ops->clone(&s->sctx, s->entry_fd, &s->sctx, fd, STORAGE_CLONE_READONLY);
	if (r < 0)
		return r;
	r = copy_meta(s->entry_fd, fd, "config");
	if (r >= 0)
		r = copy_meta(s->entry_fd, fd, "facts");
	if (r >= 0)
		r = write_meta(fd, comment);
	if (r < 0) {
		log_error_errno(r, "cannot write the snapshot's metadata: %m");
		s->ops->destroy(&s->sctx, fd);
	}
	return r;
}

int snapshot_create(const struct sysc_paths *p, const char *name, const char *comment,
		    const char *snap_name)
{
	struct snap_ctx s;
	_cleanup_close_ int snaps_fd = -EBADF;
	char snap[64], tmp[] = ".new-XXXXXX";
	bool made_dir = false; /* snapshots/ is this call's: a failure removes it */
	int r = snap_ctx_open(p, name, true, &s);

	if (r < 0)
		goto out;
	if (mkdirat(s.entry_fd, "snapshots", 0700) == 0)
		made_dir = true;
	else if (errno != EEXIST) {
		r = log_error_errno(-errno, "cannot create %s/snapshots: %m", s.entry);
		goto out;
	}
	snaps_fd = openat(s.entry_fd, "snapshots", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (snaps_fd < 0) {
		r = log_error_errno(-errno, "cannot open %s/snapshots: %m", s.entry);
		goto out;
	}
	if (snap_name) {
		r = check_snap_name(snap_name);
		if (r < 0)
			goto out;
		snprintf(snap, sizeof(snap), "%s", snap_name);
	} else if ((r = next_snap_name(snaps_fd, snap, sizeof(snap))) < 0) {
		log_error("too many snapshots of %s", name);
		goto out;
	}
	/* build under a hidden name: a failed snapshot leaves nothing */
	{
		_cleanup_free_ char *t = str_printf("%s/snapshots/.new-XXXXXX", s.entry);
		if (!t || !mkdtemp(t)) {
			r = t ? log_error_errno(-errno, "cannot create a snapshot directory: %m")
			      : -ENOMEM;
			goto out;
		}
		snprintf(tmp, sizeof(tmp), "%s", strrchr(t, '/') + 1);
	}
	r = make_snapshot(&s, snaps_fd, tmp, comment);
	if (r == 0 && (r = fileio_rename_noreplace(snaps_fd, tmp, snaps_fd, snap)) < 0) {
		if (r == -EEXIST)
			log_error("container %s already has a snapshot \"%s\"", name, snap);
		else
			log_error_errno(r, "cannot move snapshot %s into place: %m", snap);
		_cleanup_close_ int fd = openat(snaps_fd, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0)
			s.ops->destroy(&s.sctx, fd);
	}
	if (r < 0)
		fileio_rm_rf_at(snaps_fd, tmp);
	else
		log_info("snapshot %s of %s made", snap, name);
	if (r == 0)
		printf("%s\n", snap);
out:
	/* (empty: fails, and leaves it, when a concurrent snapshot is in it) */
	if (r < 0 && made_dir)
		unlinkat(s.entry_fd, "snapshots", AT_REMOVEDIR);
	snap_ctx_done(&s);
	return r;
}

static int cmp_snap(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;

	/* snap2 before snap10 */
	if (str_startswith(x, "snap") && str_startswith(y, "snap"))
		return strtol(x + 4, NULL, 10) < strtol(y + 4, NULL, 10)   ? -1
		       : strtol(x + 4, NULL, 10) > strtol(y + 4, NULL, 10) ? 1
									   : strcmp(x, y);
	return strcmp(x, y);
}

static int list_snaps(int entry_fd, char ***ret)
{
	_cleanup_strv_ char **names = NULL;
	int fd = openat(entry_fd, "snapshots", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_closedir_ DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (fd >= 0 && !d)
		close(fd);
	while (d && (de = readdir(d))) {
		struct stat st;
		_cleanup_free_ char *cfg = str_printf("%s/config", de->d_name);
		if (de->d_name[0] == '.' || !cfg)
			continue;
		if (fstatat(dirfd(d), cfg, &st, 0) == 0 && strv_push(&names, de->d_name) < 0)
			return -ENOMEM;
	}
	if (!names && !(names = calloc(1, sizeof(char *))))
		return -ENOMEM;
	qsort(names, strv_length(names), sizeof(char *), cmp_snap);
	*ret = TAKE_PTR(names);
	return 0;
}

static char *read_line_at(int dirfd, const char *path)
{
	char *text = NULL;
	size_t len;

	if (fileio_read_at(dirfd, path, &text, &len) < 0)
		return NULL;
	text[strcspn(text, "\n")] = '\0';
	return text;
}

int snapshot_list(const struct sysc_paths *p, const char *name, bool json)
{
	struct snap_ctx s;
	_cleanup_strv_ char **snaps = NULL;
	int r = snap_ctx_open(p, name, false, &s);

	if (r == 0)
		r = list_snaps(s.entry_fd, &snaps);
	if (r < 0)
		goto out;
	struct json j = {.f = stdout};
	if (json)
		json_begin_array(&j);
	else
		printf("%-12s %-25s %s\n", "SNAPSHOT", "CREATED", "COMMENT");
	for (size_t i = 0; snaps[i]; i++) {
		_cleanup_free_ char *path = str_printf("snapshots/%s/created", snaps[i]);
		_cleanup_free_ char *cpath = str_printf("snapshots/%s/comment", snaps[i]);
		_cleanup_free_ char *created = path ? read_line_at(s.entry_fd, path) : NULL;
		_cleanup_free_ char *comment = cpath ? read_line_at(s.entry_fd, cpath) : NULL;
		if (json) {
			json_begin_object(&j);
			json_key(&j, "name");
			json_string(&j, snaps[i]);
			json_key(&j, "created");
			json_string(&j, created);
			json_key(&j, "comment");
			json_string(&j, comment);
			json_end_object(&j);
		} else {
			printf("%-12s %-25s %s\n", snaps[i], created ? created : "-",
			       comment ? comment : "");
		}
	}
	if (json) {
		json_end_array(&j);
		putchar('\n');
	}
out:
	snap_ctx_done(&s);
	return r;
}

int snapshot_destroy(const struct sysc_paths *p, const char *name, const char *snap)
{
	struct snap_ctx s;
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *path = str_printf("snapshots/%s", snap);
	int r = path ? snap_ctx_open(p, name, false, &s) : -ENOMEM;

	if (r < 0)
		goto out;
	fd = open_snap(&s, snap);
	if (fd < 0) {
		r = fd;
		goto out;
	}
	r = s.ops->destroy(&s.sctx, fd);
	if (r == 0)
		r = fileio_rm_rf_at(s.entry_fd, path);
	if (r < 0)
		log_error_errno(r, "cannot remove snapshot %s of %s: %m", snap, name);
	else
		log_info("snapshot %s of %s removed", snap, name);
out:
	if (path)
		snap_ctx_done(&s);
	return r;
}

/* Swap the rootfs (and backend state) of the container for the snapshot's
 * clone made in tmp, then remove the old one. A failed rename puts back
 * whatever had been moved, so the container keeps its own rootfs. */
static int swap_in(struct snap_ctx *s, int tmp_fd, const char *tmp)
{
	_cleanup_free_ char *old = str_printf("%s.old", tmp);
	_cleanup_close_ int old_fd = -EBADF;
	static const char *const parts[] = {"rootfs", "storage"};
	bool aside[2] = {false, false}, in[2] = {false, false};
	struct stat st;
	int r = 0;

	if (!old)
		return -ENOMEM;
	if (mkdirat(s->entry_fd, old, 0700) < 0)
		return log_error_errno(-errno, "cannot create %s/%s: %m", s->entry, old);
	old_fd = openat(s->entry_fd, old, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (old_fd < 0) {
		r = log_error_errno(-errno, "cannot open %s/%s: %m", s->entry, old);
		unlinkat(s->entry_fd, old, AT_REMOVEDIR);
		return r;
	}
	for (size_t i = 0; i < 2 && r == 0; i++) {
		if (fstatat(s->entry_fd, parts[i], &st, AT_SYMLINK_NOFOLLOW) == 0) {
			if (renameat(s->entry_fd, parts[i], old_fd, parts[i]) < 0)
				r = log_error_errno(-errno, "cannot move %s of %s aside: %m",
						    parts[i], s->name);
			aside[i] = r == 0;
		}
		if (r == 0 && fstatat(tmp_fd, parts[i], &st, AT_SYMLINK_NOFOLLOW) == 0) {
			if (renameat(tmp_fd, parts[i], s->entry_fd, parts[i]) < 0)
				r = log_error_errno(-errno, "cannot move the restored %s of %s: %m",
						    parts[i], s->name);
			in[i] = r == 0;
		}
	}
	if (r < 0) {
		for (size_t i = 0; i < 2; i++) {
			if (in[i])
				renameat(s->entry_fd, parts[i], tmp_fd, parts[i]);
			if (aside[i] && renameat(old_fd, parts[i], s->entry_fd, parts[i]) < 0)
				log_error("cannot put %s of %s back from %s/%s: %m", parts[i],
					  s->name, s->entry, old);
		}
		unlinkat(s->entry_fd, old, AT_REMOVEDIR);
		return r;
	}
	r = s->ops->destroy(&s->sctx, old_fd);
	if (r == 0)
		r = fileio_rm_rf_at(s->entry_fd, old);
	if (r < 0)
		log_warn_errno(r, "cannot remove the replaced rootfs of %s (%s/%s): %m", s->name,
			       s->entry, old);
	return 0;
}

static int restore_in_place(struct snap_ctx *s, int snap_fd, const char *snap)
{
	_cleanup_free_ char *t = str_printf("%s/.restore-XXXXXX", s->entry);
	_cleanup_close_ int tmp_fd = -EBADF;
	const char *tmp;
	int r, has_facts = 0;

	if (!t)
		return -ENOMEM;
	if (!mkdtemp(t))
		return log_error_errno(-errno, "cannot create a directory in %s: %m", s->entry);
	tmp = strrchr(t, '/') + 1;
	tmp_fd = openat(s->entry_fd, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (tmp_fd < 0) {
		r = log_error_errno(-errno, "cannot open %s: %m", t);
		goto fail;
	}
	r = s->ops->clone(&s->sctx, snap_fd, &s->sctx, tmp_fd, 0);
	if (r < 0)
		goto fail;
	r = copy_meta(snap_fd, tmp_fd, "config");
	if (r >= 0)
		r = has_facts = copy_meta(snap_fd, tmp_fd, "facts");
	if (r < 0) {
		log_error_errno(r, "cannot read the config of snapshot %s: %m", snap);
		s->ops->destroy(&s->sctx, tmp_fd);
		goto fail;
	}
	r = swap_in(s, tmp_fd, tmp);
	if (r < 0) {
		s->ops->destroy(&s->sctx, tmp_fd); /* the clone is back in tmp */
		goto fail;
	}
	/* the snapshot's facts with its config; none: its config holds them */
	if (has_facts ? renameat(tmp_fd, "facts", s->entry_fd, "facts") < 0
		      : unlinkat(s->entry_fd, "facts", 0) < 0 && errno != ENOENT)
		r = log_error_errno(-errno, "cannot restore the facts of %s: %m", s->name);
	else if (renameat(tmp_fd, "config", s->entry_fd, "config") < 0)
		r = log_error_errno(-errno, "cannot restore the config of %s: %m", s->name);
	if (r < 0)
		goto fail;
	fileio_rm_rf_at(s->entry_fd, tmp);
	log_info("%s restored from snapshot %s", s->name, snap);
	return 0;
fail:
	if (fileio_rm_rf_at(s->entry_fd, tmp) < 0)
		log_warn("cannot remove %s", t);
	return r;
}

int snapshot_restore(const struct sysc_paths *p, const char *name, const char *snap,
		     const char *new_name)
{
	struct snap_ctx s;
	_cleanup_close_ int snap_fd = -EBADF;
	_cleanup_free_ char *snap_entry = NULL;
	int r = snap_ctx_open(p, name, true, &s);

	if (r < 0)
		goto out;
	snap_fd = open_snap(&s, snap);
	if (snap_fd < 0) {
		r = snap_fd;
		goto out;
	}
	if (!new_name || strcmp(new_name, name) == 0) {
		r = restore_in_place(&s, snap_fd, snap);
		goto out;
	}
	snap_entry = str_printf("%s/snapshots/%s", s.entry, snap);
	if (!snap_entry) {
		r = -ENOMEM;
		goto out;
	}
	struct copy_source src = {.name = name, .entry = snap_entry, .ops = s.ops, .ctx = &s.sctx};
	r = copy_from_source(p, &src, new_name, NULL, 0);
out:
	snap_ctx_done(&s);
	return r;
}
