/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create */
#endif
#include "lib/import.h"
#include "archive/tar.h"
#include "config/config.h"
#include "lib/copy-container.h"
#include "lib/create.h"
#include "lib/export.h"
#include "lib/import-trust.h"
#include "lib/paths.h"
#include "storage/storage.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/interrupt.h"
#include "util/log.h"
#include "util/monotonic.h"
#include "util/strv.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MANIFEST_MAX 4096
#define CONFIG_MAX   (1024 * 1024)

static int open_input(const char *file)
{
	int fd;

	if (strcmp(file, "-") == 0) {
		if (isatty(STDIN_FILENO)) {
			log_error("refusing to read an archive from a terminal (redirect stdin)");
			return -ENOTTY;
		}
		fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
	} else {
		fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	}
	if (fd < 0)
		return log_error_errno(-errno, "cannot open archive %s: %m", file);
	return fd;
}

static const char *display_name(const char *file)
{
	return strcmp(file, "-") == 0 ? "<stdin>" : file;
}

/* "format=N" in the manifest: one we know; returns N. */
static int check_manifest(const char *file, const char *manifest)
{
	const char *f = strstr(manifest, "format=");
	int version = f && (f == manifest || f[-1] == '\n') ? atoi(f + 7) : 0;

	if (version < 1) {
		log_error("archive %s: no format version in its sysc-archive entry", file);
		return -EBADMSG;
	}
	if (version > EXPORT_FORMAT_VERSION) {
		log_error("archive %s: format %d is newer than this sysc reads (%d): upgrade sysc",
			  file, version, EXPORT_FORMAT_VERSION);
		return -EPROTONOSUPPORT;
	}
	return version;
}

/* The archive's config in a memfd (its path is /proc/self/fd/N). */
static int config_memfd(const char *file, const char *data, size_t len, char **ret_path)
{
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *what = str_printf("archive %s: config", file);
	int r = what ? conf_check_foreign_text(what, data, len) : -ENOMEM;

	if (r < 0)
		return r;
	fd = memfd_create("sysc-import-config", MFD_CLOEXEC);
	if (fd < 0)
		return log_error_errno(-errno, "memfd_create: %m");
	r = fileio_write_all(fd, data, len);
	if (r < 0)
		return log_error_errno(r, "cannot buffer the config: %m");
	*ret_path = str_printf("/proc/self/fd/%d", fd);
	if (!*ret_path)
		return -ENOMEM;
	return TAKE_FD(fd);
}

struct import_ctx {
	const struct sysc_paths *p;
	const struct import_opts *o;
	const char *file; /* for messages */
	struct tar_reader *rd;
	char *config_path;
	int config_fd; /* the memfd behind config_path */
	struct create_work *w;
	char *archived_name; /* the name in the archive's config */
};

static int read_head(struct import_ctx *c, char **ret_name)
{
	_cleanup_free_ char *manifest = NULL, *config = NULL;
	_cleanup_(conf_freep) struct sysc_conf *conf = NULL, *defaults = NULL;
	size_t len;
	int r, format;

	r = tar_reader_read_data(c->rd, "sysc-archive", MANIFEST_MAX, &manifest, NULL);
	if (r < 0) {
		log_error("%s is not a container archive made by sysc-export (for a plain rootfs "
			  "tarball: sysc-create NAME -t tarball -- --file FILE)",
			  c->file);
		return r;
	}
	r = format = check_manifest(c->file, manifest);
	if (r > 0)
		r = tar_reader_read_data(c->rd, "config", CONFIG_MAX, &config, &len);
	if (r < 0)
		return r;
	/* format 1: the checksum covers only the rootfs */
	if (format < 2) {
		log_warn("archive %s: format 1: its config is not covered by its checksum",
			 c->file);
		tar_reader_sum_reset(c->rd);
	}
	c->config_fd = config_memfd(c->file, config, len, &c->config_path);
	if (c->config_fd < 0)
		return c->config_fd;
	/* as it will run: over this host's default.conf */
	r = conf_load_unnamed(c->p->default_conf, c->config_path, &conf);
	if (r < 0)
		return log_error_errno(r, "archive %s: its config is not valid here", c->file);
	r = conf_load_unnamed(c->p->default_conf, NULL, &defaults);
	if (r == 0)
		r = import_trust_check(c->file, conf, defaults, c->o->allow);
	if (r < 0)
		return r;
	*ret_name = strdup(c->o->name ? c->o->name : conf->name ? conf->name : "");
	c->archived_name = strdup(conf->name ? conf->name : "");
	if (!*ret_name || !c->archived_name)
		return -ENOMEM;
	if (!**ret_name)
		return log_error_errno(-EINVAL, "archive %s: its config has no name: give NAME",
				       c->file);
	return 0;
}

static int extract_rootfs(struct import_ctx *c)
{
	_cleanup_free_ char *rootfs = str_printf("%s/rootfs", create_work_path(c->w));
	_cleanup_close_ int fd = -EBADF;
	struct tar_extract_opts eo = {
		.prefix = "rootfs", .devices = c->o->devices, .stop_at = "sysc-checksum"};

	if (!rootfs)
		return -ENOMEM;
	fd = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return log_error_errno(-errno, "cannot open %s: %m", rootfs);
	return tar_reader_extract(c->rd, fd, &eo);
}

/* The trailer: the archive is complete and its contents (format 2: the
 * manifest, the config and the rootfs) are what was written. */
static int check_sum(struct import_ctx *c)
{
	_cleanup_free_ char *want = NULL;
	char have[64];
	/* before the trailer itself is read (and summed) */
	uint64_t sum = tar_reader_sum(c->rd);
	int r = tar_reader_read_data(c->rd, "sysc-checksum", 256, &want, NULL);

	if (r < 0)
		return log_error_errno(r, "archive %s is incomplete (truncated?)", c->file);
	snprintf(have, sizeof(have), "fnv64=%016llx\n", (unsigned long long)sum);
	if (strcmp(want, have) != 0)
		return log_error_errno(-EBADMSG,
				       "archive %s: checksum mismatch (%.22s, computed %.22s): the "
				       "archive is corrupt",
				       c->file, want, have);
	return 0;
}

static int write_config(struct import_ctx *c, const char *name)
{
	_cleanup_(conf_edit_freep) struct conf_edit *ed = NULL;
	int r = conf_edit_open(c->config_path, &ed);

	/* the exporter's id range is not ours to take, and the archive holds
	 * the container's own ids (export shifts them back) */
	if (r == 0)
		r = conf_edit_unset(ed, "idmap");
	if (r == 0)
		r = conf_edit_unset(ed, "rootfs.shifted");
	/* imported under another name: a copy, with an identity of its own */
	if (r == 0 && *c->archived_name && strcmp(c->archived_name, name) != 0) {
		_cleanup_free_ char *rootfs = str_printf("%s/rootfs", create_work_path(c->w));
		r = rootfs ? copy_rootfs_new_identity(rootfs, c->archived_name, name) : -ENOMEM;
		if (r == 0)
			r = conf_edit_new_identity(ed, c->archived_name);
	}
	return r < 0 ? r : create_work_write_config(c->w, ed, NULL);
}

int import_container(const struct sysc_paths *p, const struct import_opts *o)
{
	struct import_ctx c = {.p = p, .o = o, .file = display_name(o->file), .config_fd = -EBADF};
	_cleanup_(tar_reader_freep) struct tar_reader *rd = NULL;
	_cleanup_close_ int in = -EBADF;
	_cleanup_free_ char *name = NULL;
	unsigned long long entries, bytes;
	int64_t t0;
	int r;

	t0 = monotonic_us();
	in = open_input(o->file);
	if (in < 0)
		return in;
	r = tar_reader_open(in, c.file, &rd);
	if (r < 0)
		return r;
	c.rd = rd;
	r = read_head(&c, &name);
	if (r == 0)
		r = create_work_begin(p, name, o->backend, c.config_path, &c.w);
	if (r == 0) {
		log_info("importing %s as %s (%s backend)...", c.file, name,
			 create_work_backend(c.w)->name);
		r = create_work_empty_rootfs(c.w);
	}
	if (r == 0)
		r = extract_rootfs(&c);
	if (r == 0)
		r = check_sum(&c);
	if (r == 0)
		r = write_config(&c, name);
	if (r == 0)
		r = create_work_finish(c.w);
	if (r < 0 && c.w)
		log_error("import of %s failed: nothing was created", c.file);
	create_work_free(c.w);
	free(c.config_path);
	free(c.archived_name);
	CLOSE_FD(c.config_fd);
	if (r == 0) {
		tar_reader_stats(rd, &entries, &bytes);
		log_info("imported container %s (%llu entries, %llu MiB of file data) in %.2fs",
			 name, entries, bytes >> 20, (double)(monotonic_us() - t0) / 1e6);
	}
	return r;
}

int import_rootfs_tarball(const char *file, const char *dir, int devices)
{
	_cleanup_(tar_reader_freep) struct tar_reader *rd = NULL;
	_cleanup_close_ int in = -EBADF, root = -EBADF;
	struct tar_extract_opts eo = {.prefix = NULL, .devices = devices};
	int r;

	root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return log_error_errno(-errno, "cannot open %s: %m", dir);
	in = open_input(file);
	if (in < 0)
		return in;
	r = tar_reader_open(in, display_name(file), &rd);
	if (r == 0)
		r = tar_reader_extract(rd, root, &eo);
	return r;
}
