/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/export.h"
#include "archive/tar.h"
#include "config/config.h"
#include "lib/facts.h"
#include "lib/lock.h"
#include "lib/paths.h"
#include "lib/state.h"
#include "lib/store.h"
#include "storage/storage.h"
#include "userns/shift.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/monotonic.h"
#include "util/strv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONFIG_MAX (1024 * 1024)

struct export_ctx {
	const struct export_opts *o;
	const struct sysc_paths *p;
	char *entry_path; /* the container's or the snapshot's entry */
	int entry_fd;
	const struct storage_ops *ops;
	struct storage_ctx sctx;
	bool mounted;
	int out_fd;
	bool stream;	   /* o->file is a character device or FIFO: written in place */
	char *target;	   /* the regular file to make: o->file, or where its symlink points */
	bool anon;	   /* out_fd is an O_TMPFILE, linked as target at the end */
	char *tmp;	   /* else a temporary file, renamed to target at the end */
	char *config_path; /* the config that goes into the archive */
	struct conf_idmap *shifted; /* its rootfs.shifted: owners on disk */
	size_t n_shifted;
};

static int check_stopped(const struct sysc_paths *p, const char *name)
{
	struct state_info s;
	int r = state_read(p, name, &s);

	if (r < 0)
		return log_error_errno(r, "cannot read the state of %s: %m", name);
	if (s.state != STATE_STOPPED) {
		log_error("container %s is %s: stop it first (sysc-stop %s), or export one of its "
			  "snapshots (--snapshot)",
			  name, state_name(s.state), name);
		return -EBUSY;
	}
	return 0;
}

static int open_entry(struct export_ctx *c)
{
	const struct export_opts *o = c->o;
	int r;

	if (o->snapshot) {
		r = store_check_name(o->snapshot);
		if (r < 0)
			return r;
		c->entry_path = str_printf("%s/%s/snapshots/%s", c->p->store, o->name, o->snapshot);
	} else {
		c->entry_path = str_printf("%s/%s", c->p->store, o->name);
	}
	if (!c->entry_path)
		return -ENOMEM;
	c->entry_fd = open(c->entry_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (c->entry_fd < 0 && errno == ENOENT && o->snapshot)
		return log_error_errno(-ENOENT, "container %s has no snapshot \"%s\"", o->name,
				       o->snapshot);
	if (c->entry_fd < 0)
		return log_error_errno(-errno, "cannot open %s: %m", c->entry_path);
	return 0;
}

/* A snapshot's own config when it has one, else the container's. */
static int read_config(struct export_ctx *c, char **ret, size_t *ret_len)
{
	int r;

	c->config_path = str_printf("%s/config", c->entry_path);
	if (!c->config_path)
		return -ENOMEM;
	r = fileio_read_at(AT_FDCWD, c->config_path, ret, ret_len);
	if (r == -ENOENT && c->o->snapshot) {
		free(c->config_path);
		c->config_path = paths_container_config(c->p, c->o->name);
		if (!c->config_path)
			return -ENOMEM;
		r = fileio_read_at(AT_FDCWD, c->config_path, ret, ret_len);
	}
	if (r < 0)
		return log_error_errno(r, "cannot read the config of %s: %m", c->o->name);
	if (*ret_len > CONFIG_MAX)
		return log_error_errno(-EFBIG, "config of %s is larger than %d bytes", c->o->name,
				       CONFIG_MAX);
	return 0;
}

/* Owners shifted on disk for an unprivileged container (userns/shift.h)
 * go into the archive as the container's own ids. */
static int read_shifted(struct export_ctx *c)
{
	_cleanup_(conf_freep) struct sysc_conf *conf = NULL;
	int r = facts_load_conf(c->p, c->config_path, &conf);

	if (r < 0)
		return r;
	r = userns_shift_parse(conf->rootfs.shifted, &c->shifted, &c->n_shifted);
	return r < 0 ? log_error_errno(r, "%s: rootfs.shifted: invalid \"%s\"", c->config_path,
				       conf->rootfs.shifted)
		     : 0;
}

/* FILE names a character device or FIFO: written as a stream (never
 * replaced by a regular file); something else that is not a regular file:
 * refused; a symlink: its target is made. Else *target is the file to make. */
static int check_output(struct export_ctx *c)
{
	const char *file = c->o->file;
	struct stat st;

	if (stat(file, &st) == 0 && (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))) {
		c->out_fd = open(file, O_WRONLY | O_CLOEXEC | O_NOCTTY);
		if (c->out_fd < 0)
			return log_error_errno(-errno, "cannot open %s: %m", file);
		if (isatty(c->out_fd)) {
			log_error("refusing to write an archive to the terminal %s", file);
			return -ENOTTY;
		}
		c->stream = true;
		return 0;
	}
	if (lstat(file, &st) < 0) {
		if (errno != ENOENT)
			return log_error_errno(-errno, "cannot write %s: %m", file);
		c->target = strdup(file);
	} else if (S_ISLNK(st.st_mode)) {
		c->target = realpath(file, NULL);
		if (!c->target && errno == ENOENT)
			return log_error_errno(-ENOENT,
					       "cannot write %s: a symbolic link to a "
					       "missing file",
					       file);
		if (!c->target)
			return log_error_errno(-errno, "cannot write %s: %m", file);
		if (stat(c->target, &st) == 0 && !S_ISREG(st.st_mode)) /* a changed link */
			return log_error_errno(-EINVAL, "cannot write %s: not a regular file",
					       file);
	} else if (!S_ISREG(st.st_mode)) {
		return log_error_errno(-EINVAL,
				       "cannot write %s: it is %s; sysc-export writes a regular "
				       "file, a character device or a FIFO",
				       file,
				       S_ISDIR(st.st_mode)   ? "a directory"
				       : S_ISBLK(st.st_mode) ? "a block device"
							     : "a socket");
	} else {
		c->target = strdup(file);
	}
	return c->target ? 0 : -ENOMEM;
}

/* An unnamed file in target's directory (O_TMPFILE): nothing is left
 * behind whatever happens, even on SIGKILL. */
static int open_anon(struct export_ctx *c)
{
	_cleanup_free_ char *dir = strdup(c->target);
	char *slash;

	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	c->out_fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	if (c->out_fd >= 0) {
		c->anon = true;
		return 0;
	}
	if (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)
		return 0; /* the filesystem has none: a named temporary file */
	return log_error_errno(-errno, "cannot write %s: %m", c->o->file);
}

static int open_output(struct export_ctx *c)
{
	const char *file = c->o->file;
	int r;

	if (strcmp(file, "-") == 0) {
		if (isatty(STDOUT_FILENO)) {
			log_error("refusing to write an archive to a terminal (redirect stdout)");
			return -ENOTTY;
		}
		c->out_fd = STDOUT_FILENO;
		return 0;
	}
	r = check_output(c);
	if (r < 0 || c->stream)
		return r;
	r = open_anon(c);
	if (r < 0 || c->anon)
		return r;
	/* next to FILE, renamed over it when complete: a failed export leaves
	 * neither a partial FILE nor a damaged old one (but SIGKILL leaves it) */
	c->tmp = str_printf("%s.XXXXXX", c->target);
	if (!c->tmp)
		return -ENOMEM;
	c->out_fd = mkostemp(c->tmp, O_CLOEXEC);
	if (c->out_fd < 0) {
		r = log_error_errno(-errno, "cannot write %s: %m", file);
		free(c->tmp);
		c->tmp = NULL;
		return r;
	}
	return 0;
}

static int write_archive(struct export_ctx *c, const char *config, size_t config_len)
{
	const struct export_opts *o = c->o;
	struct tar_writer *w = NULL;
	_cleanup_close_ int rootfs_fd = -EBADF;
	_cleanup_free_ char *manifest = NULL, *tree = NULL;
	unsigned long long entries, bytes;
	int comp = o->compression, r;

	if (comp == TAR_COMPRESSION_AUTO && strcmp(o->file, "-") != 0)
		comp = tar_compression_for_path(o->file);
	manifest = str_printf("format=%d\ncreated_by=sysc %s\nname=%s\nsnapshot=%s\n",
			      EXPORT_FORMAT_VERSION, PACKAGE_VERSION, o->name,
			      o->snapshot ? o->snapshot : "");
	tree = str_printf("%s/rootfs", c->entry_path);
	if (!manifest || !tree)
		return -ENOMEM;
	rootfs_fd = openat(c->entry_fd, "rootfs", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (rootfs_fd < 0)
		return log_error_errno(-errno, "cannot open %s: %m", tree);
	struct userns_shift shift = {.from = c->shifted, .n_from = c->n_shifted};
	r = tar_writer_open(c->out_fd, o->file, comp, &w);
	if (r == 0 && c->n_shifted)
		tar_writer_set_shift(w, &shift);
	if (r == 0)
		r = tar_writer_add_data(w, "sysc-archive", manifest, strlen(manifest), 0644);
	if (r == 0)
		r = tar_writer_add_data(w, "config", config, config_len, 0644);
	if (r == 0)
		r = tar_writer_add_tree(w, "rootfs", rootfs_fd, tree);
	if (r == 0) {
		char sum[64];
		snprintf(sum, sizeof(sum), "fnv64=%016llx\n",
			 (unsigned long long)tar_writer_sum(w));
		r = tar_writer_add_data(w, "sysc-checksum", sum, strlen(sum), 0644);
	}
	if (r == 0)
		r = tar_writer_close(w);
	if (r == 0) {
		tar_writer_stats(w, &entries, &bytes);
		log_info("archived %llu entries, %llu MiB of file data", entries, bytes >> 20);
	}
	tar_writer_free(w);
	return r;
}

/* The complete O_TMPFILE gets its name: target itself when it does not
 * exist, else a temporary name renamed over it. */
static int link_anon(struct export_ctx *c)
{
	char proc[64], *tmp;
	uint8_t rnd[4];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", c->out_fd);
	if (linkat(AT_FDCWD, proc, AT_FDCWD, c->target, AT_SYMLINK_FOLLOW) == 0)
		return 0;
	if (errno != EEXIST)
		return -errno;
	for (int tries = 0; tries < 100; tries++) {
		if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
			return -EIO;
		tmp = str_printf("%s.%02x%02x%02x%02x", c->target, rnd[0], rnd[1], rnd[2], rnd[3]);
		if (!tmp)
			return -ENOMEM;
		if (linkat(AT_FDCWD, proc, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) == 0) {
			int r = rename(tmp, c->target) < 0 ? -errno : 0;
			if (r < 0)
				unlink(tmp);
			free(tmp);
			return r;
		}
		free(tmp);
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

static int finish_output(struct export_ctx *c)
{
	int r;

	if (c->anon) {
		r = fsync(c->out_fd) < 0 ? -errno : link_anon(c);
		if (r < 0)
			return log_error_errno(r, "cannot write %s: %m", c->o->file);
		return 0;
	}
	if (!c->tmp)
		return 0;
	if (fsync(c->out_fd) < 0 || rename(c->tmp, c->target) < 0)
		return log_error_errno(-errno, "cannot write %s: %m", c->o->file);
	free(c->tmp);
	c->tmp = NULL;
	return 0;
}

static int export_locked(struct export_ctx *c)
{
	_cleanup_(conf_freep) struct sysc_conf *conf = NULL;
	_cleanup_free_ char *config = NULL;
	size_t config_len = 0;
	int r = store_load_conf(c->p, c->o->name, &conf);

	/* a snapshot is a point in time: it can be exported while the container runs */
	if (r == 0 && !c->o->snapshot)
		r = check_stopped(c->p, c->o->name);
	if (r == 0)
		r = store_storage(c->p, conf->rootfs.backend, conf, c->o->name, &c->sctx, &c->ops);
	/* before opening the entry: an fd opened in the host's namespace would
	 * not see the rootfs mounted in the private one */
	if (r == 0 && c->ops->mount)
		r = storage_private_ns();
	if (r == 0)
		r = open_entry(c);
	if (r == 0)
		r = read_config(c, &config, &config_len);
	if (r == 0)
		r = read_shifted(c);
	if (r == 0)
		r = open_output(c);
	if (r == 0) {
		r = storage_mount_entry(c->ops, &c->sctx, c->entry_fd, c->entry_path);
		c->mounted = r == 0 && c->ops->mount;
	}
	if (r == 0)
		r = write_archive(c, config, config_len);
	if (c->mounted) {
		int u = storage_unmount_entry(c->ops, c->entry_path);
		if (r == 0)
			r = u;
	}
	if (r == 0)
		r = finish_output(c);
	return r;
}

int export_container(const struct sysc_paths *p, const struct export_opts *o)
{
	struct export_ctx c = {.o = o, .p = p, .entry_fd = -EBADF, .out_fd = -EBADF};
	_cleanup_close_ int lock = -EBADF;
	int64_t t0;
	int r = store_check_name(o->name);

	if (r < 0)
		return r;
	t0 = monotonic_us();
	lock = lock_container(p, o->name);
	if (lock < 0)
		return lock;
	r = export_locked(&c);
	if (c.tmp)
		unlink(c.tmp);
	if (c.out_fd >= 0 && c.out_fd != STDOUT_FILENO)
		close(c.out_fd);
	CLOSE_FD(c.entry_fd);
	free(c.tmp);
	free(c.target);
	free(c.entry_path);
	free(c.config_path);
	free(c.shifted);
	if (r == 0) {
		log_info("exported %s%s%s to %s in %.2fs", o->name, o->snapshot ? " snapshot " : "",
			 o->snapshot ? o->snapshot : "", strcmp(o->file, "-") ? o->file : "stdout",
			 (double)(monotonic_us() - t0) / 1e6);
	}
	return r;
}
