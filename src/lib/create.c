/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/create.h"
#include "config/config.h"
#include "lib/cache.h"
#include "lib/lock.h"
#include "lib/paths.h"
#include "lib/store.h"
#include "lib/template.h"
#include "storage/storage.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/interrupt.h"
#include "util/log.h"
#include "util/strv.h"
#include "util/uuid.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct create_ctx {
	const struct sysc_paths *p;
	const struct create_opts *o;
	const struct storage_ops *backend;
	char *exe;
	int work_fd;	 /* locked hidden work dir in the store */
	char *work;	 /* its name */
	char *work_path; /* its path */
	struct storage_ctx sctx;
	char *fstype;
	bool rootfs_made;
	bool mounted; /* in our private mount namespace */
};

static double elapsed(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static int check_interrupt(void)
{
	int sig = interrupt_pending();

	if (sig) {
		log_error("interrupted by signal %d: rolling back", sig);
		return -EINTR;
	}
	return 0;
}

static void conf_freep(struct sysc_conf **c)
{
	conf_free(*c);
}

/* The backend and, from the user's file over default.conf, rootfs.size and
 * rootfs.fstype (the rootfs is made before the config is written). */
static int pick_backend(struct create_ctx *c)
{
	_cleanup_(conf_freep) struct sysc_conf *conf = NULL;
	int r = conf_load_unnamed(c->p->default_conf,
				  c->o->config_file ? c->o->config_file : "/dev/null", &conf);

	if (r < 0)
		return r;
	r = store_storage(c->p, c->o->backend, conf, c->o->name, &c->sctx, &c->backend);
	if (r < 0)
		return r;
	c->fstype = strdup(conf->rootfs.fstype ? conf->rootfs.fstype : "ext4");
	if (!c->fstype)
		return -ENOMEM;
	c->sctx.fstype = c->fstype;
	return 0;
}

/* Overlay and lvm: mount the new rootfs in our private mount namespace, so
 * the template (or its configure step) can fill it. */
static int mount_rootfs(struct create_ctx *c)
{
	int r = storage_mount_entry(c->backend, &c->sctx, c->work_fd, c->work_path);

	if (r == 0)
		c->mounted = c->backend->mount != NULL;
	return r;
}

static int unmount_rootfs(struct create_ctx *c)
{
	int r = 0;

	if (c->mounted) {
		r = storage_unmount_entry(c->backend, c->work_path);
		if (r == 0)
			c->mounted = false;
	}
	return r;
}

/* Make <work>/rootfs from the template (through its cache when it has one). */
static int make_rootfs(struct create_ctx *c)
{
	_cleanup_free_ char *key = NULL, *cache_rootfs = NULL, *rootfs = NULL;
	struct timespec t0;
	int r;

	r = template_cache_key(c->exe, c->o->template_args, &key);
	if (r < 0)
		return r;
	if (*key) {
		r = cache_ensure(c->p, c->exe, key, c->o->template_args, &cache_rootfs);
		if (r < 0)
			return r;
		r = check_interrupt();
		if (r < 0)
			return r;
		log_info("making rootfs of %s from cache %s (%s backend)...", c->o->name, key,
			 c->backend->name);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		struct storage_cache cache = {.key = key, .rootfs = cache_rootfs};
		r = c->backend->create_from_cache(&c->sctx, &cache, c->work_fd);
		if (r < 0)
			return r;
		c->rootfs_made = true;
		log_debug("rootfs made in %.2fs", elapsed(&t0));
		r = check_interrupt();
		return r < 0 ? r : mount_rootfs(c);
	}
	r = c->backend->create_empty(&c->sctx, c->work_fd);
	if (r < 0)
		return r;
	c->rootfs_made = true;
	r = mount_rootfs(c);
	if (r < 0)
		return r;
	rootfs = str_printf("%s/rootfs", c->work_path);
	if (!rootfs)
		return -ENOMEM;
	log_info("running template %s for %s...", c->o->template, c->o->name);
	return template_build(c->exe, rootfs, c->o->template_args);
}

/* Settings the template suggested apply unless the user's file set them. */
static int apply_template_settings(struct conf_edit *ed, char **settings)
{
	for (size_t i = 0; settings && settings[i]; i++) {
		char *eq = strchr(settings[i], '=');
		*eq = '\0';
		if (!conf_key_known(settings[i])) {
			log_error("template suggested an unknown config key \"%s\"", settings[i]);
			return -EPROTO;
		}
		int r = conf_edit_set(ed, settings[i], eq + 1);
		if (r < 0)
			return r;
	}
	return 0;
}

static int write_config(struct create_ctx *c, char **settings)
{
	struct conf_edit *ed = NULL;
	_cleanup_free_ char *dst = str_printf("%s/config", c->work_path);
	char uuid[UUID_STR_LEN];
	int r;

	if (!dst)
		return -ENOMEM;
	r = uuid_generate_random_str(uuid);
	if (r < 0)
		return r;
	/* template suggestions first, then the user's file on top of them */
	r = conf_edit_open(NULL, &ed);
	if (r < 0)
		return r;
	r = apply_template_settings(ed, settings);
	if (r == 0 && c->o->config_file)
		r = conf_edit_merge_file(ed, c->o->config_file);
	if (r == 0)
		r = conf_edit_set(ed, "name", c->o->name);
	if (r == 0)
		r = conf_edit_set(ed, "uuid", uuid);
	if (r == 0)
		r = conf_edit_set(ed, "template", c->o->template);
	if (r == 0)
		r = conf_edit_set(ed, "rootfs.backend", c->backend->name);
	if (r == 0)
		r = conf_edit_write(ed, c->p->default_conf, dst);
	conf_edit_free(ed);
	return r;
}

static int configure_rootfs(struct create_ctx *c)
{
	_cleanup_free_ char *rootfs = str_printf("%s/rootfs", c->work_path);
	_cleanup_strv_ char **settings = NULL;
	int r;

	if (!rootfs)
		return -ENOMEM;
	log_info("configuring %s...", c->o->name);
	r = template_configure(c->exe, rootfs, c->o->name, c->o->template_args, &settings);
	if (r < 0)
		return r;
	r = write_config(c, settings);
	if (r < 0)
		return r;
	return check_interrupt();
}

static int publish(struct create_ctx *c)
{
	int store_fd = open(c->p->store, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r = 0;

	if (store_fd < 0)
		return log_error_errno(-errno, "cannot open %s: %m", c->p->store);
	if (renameat2(store_fd, c->work, store_fd, c->o->name, RENAME_NOREPLACE) < 0) {
		r = -errno;
		if (r == -EEXIST)
			log_error("container \"%s\" already exists (in %s)", c->o->name,
				  c->p->store);
		else
			log_error("cannot move %s into place: %m", c->o->name);
	} else {
		fsync(store_fd);
	}
	close(store_fd);
	return r;
}

static void rollback(struct create_ctx *c)
{
	int r;

	if (!c->work)
		return;
	if (unmount_rootfs(c) < 0)
		return; /* logged; leave it to the next sweep rather than destroy a mounted fs */
	if (c->rootfs_made)
		c->backend->destroy(&c->sctx, c->work_fd);
	r = fileio_rm_rf_at(AT_FDCWD, c->work_path);
	if (r < 0)
		log_warn("cannot remove %s: %s", c->work_path, strerror(-r));
}

static int create_locked(struct create_ctx *c)
{
	int r = store_exists(c->p, c->o->name);

	if (r < 0)
		return log_error_errno(r, "cannot look up %s in %s: %s", c->o->name, c->p->store,
				       strerror(-r));
	if (r > 0) {
		log_error("container \"%s\" already exists (in %s)", c->o->name, c->p->store);
		return -EEXIST;
	}
	store_sweep(c->p);
	r = store_workdir(c->p, "create", c->o->name, &c->work);
	if (r < 0)
		return r;
	c->work_fd = r;
	c->work_path = str_printf("%s/%s", c->p->store, c->work);
	if (!c->work_path)
		return -ENOMEM;
	r = make_rootfs(c);
	if (r == 0)
		r = configure_rootfs(c);
	if (r == 0)
		r = unmount_rootfs(c);
	if (r == 0)
		r = publish(c);
	if (r < 0)
		rollback(c);
	return r;
}

int create_container(const struct sysc_paths *p, const struct create_opts *o)
{
	struct create_ctx c = {.p = p, .o = o, .work_fd = -EBADF};
	_cleanup_close_ int lock = -EBADF;
	struct timespec t0;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = store_check_name(o->name);
	if (r < 0)
		return r;
	if (o->config_file && (r = conf_check_file(o->config_file)) < 0)
		return r;
	r = template_find(p, o->template, &c.exe);
	if (r < 0)
		return r;
	r = fileio_mkdir_p(p->store, 0700);
	if (r < 0) {
		free(c.exe);
		return log_error_errno(r, "cannot create store %s: %s", p->store, strerror(-r));
	}
	r = pick_backend(&c);
	if (r < 0) {
		free(c.exe);
		free(c.fstype);
		return r;
	}
	lock = lock_container(p, o->name);
	if (lock < 0) {
		free(c.exe);
		free(c.fstype);
		return lock;
	}
	r = create_locked(&c);
	if (r == 0)
		log_info("created container %s (%s backend) in %.2fs", o->name, c.backend->name,
			 elapsed(&t0));
	CLOSE_FD(c.work_fd);
	free(c.work);
	free(c.work_path);
	free(c.exe);
	free(c.fstype);
	return r;
}
