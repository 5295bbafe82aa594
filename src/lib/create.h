/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

struct sysc_paths;
struct conf_edit;
struct storage_ops;
struct storage_ctx;

struct create_opts {
	const char *name;
	const char *template;	    /* name or path */
	const char *backend;	    /* NULL: sysc.conf default_backend, else "best" */
	const char *config_file;    /* -f FILE, or NULL */
	char *const *template_args; /* after "--" */
};

/* Create a container atomically: everything is built under a hidden work
 * directory in the store and renamed into place at the end; on any failure
 * or interrupt nothing is left. Logs its progress and its errors. */
int create_container(const struct sysc_paths *p, const struct create_opts *o);

/*
 * Building a new container from any source (template, clone, archive): a
 * hidden, locked work entry in the store, published under NAME by
 * create_work_finish(); create_work_free() before that rolls everything back
 * (unmount, backend destroy, remove the work entry).
 */
struct create_work;
/* Check NAME is valid and free, lock it, make the work entry and pick the
 * backend (NULL: sysc.conf default_backend). config_file (may be NULL) gives
 * rootfs.size/fstype for the backend. Errors are logged. */
int create_work_begin(const struct sysc_paths *p, const char *name, const char *backend,
		      const char *config_file, struct create_work **ret);
/* The work entry (directory fd and path), its backend and storage context. */
int create_work_fd(const struct create_work *w);
const char *create_work_path(const struct create_work *w);
const struct storage_ops *create_work_backend(const struct create_work *w);
const struct storage_ctx *create_work_storage(const struct create_work *w);
/* Make an empty rootfs and mount it (in our private mount namespace, for
 * backends that mount) at <work>/rootfs, ready to be filled. */
int create_work_empty_rootfs(struct create_work *w);
/* After the caller made <work>/rootfs itself (e.g. backend clone): record
 * it for rollback and mount it. */
int create_work_mount(struct create_work *w);
/* Write <work>/config from ed, setting name and rootfs.backend, and
 * <work>/facts: a new uuid, rootfs.shifted = shifted (NULL or "": not
 * shifted; a copy's files are as its source's), the facts ed held (moved out
 * of it) and an id range (idmap_ensure()). */
int create_work_write_config(struct create_work *w, struct conf_edit *ed, const char *shifted);
/* Unmount and move the work entry into place as NAME. */
int create_work_finish(struct create_work *w);
void create_work_free(struct create_work *w);
