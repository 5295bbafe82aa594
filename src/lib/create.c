/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/create.h"
#include "lib/hooks.h"
#include "config/config.h"
#include "lib/cache.h"
#include "lib/idmap.h"
#include "lib/lock.h"
#include "lib/paths.h"
#include "lib/store.h"
#include "lib/rootfs-identity.h"
#include "lib/template.h"
#include "storage/storage.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/interrupt.h"
#include "util/log.h"
#include "util/monotonic.h"
#include "util/strv.h"
#include "util/uuid.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct create_work {
	const struct sysc_paths *p;
	char *name;
	const struct storage_ops *backend;
	struct storage_ctx sctx;
	char *fstype;
	int lock;	 /* the new container's lock */
	int work_fd;	 /* locked hidden work dir in the store */
	char *work;	 /* its name */
	char *work_path; /* its path */
	bool rootfs_made;
	bool mounted; /* in our private mount namespace */
};

struct create_ctx {
	const struct create_opts *o;
	struct create_work *w;
	char *exe;
	struct template_key key;
};

/* Seconds since t0 (monotonic_us()). */
static double elapsed(int64_t t0)
{
	return (double)(monotonic_us() - t0) / 1e6;
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

/* The backend and, from the user's file over default.conf, rootfs.size and
 * rootfs.fstype (the rootfs is made before the config is written). */
static int pick_backend(struct create_work *w, const char *backend, const char *config_file)
{
	_cleanup_(conf_freep) struct sysc_conf *conf = NULL;
	int r = conf_load_unnamed(w->p->default_conf, config_file ? config_file : "/dev/null",
				  &conf);

	if (r < 0)
		return r;
	r = store_storage(w->p, backend, conf, w->name, &w->sctx, &w->backend);
	if (r < 0)
		return r;
	w->fstype = strdup(conf->rootfs.fstype ? conf->rootfs.fstype : "ext4");
	if (!w->fstype)
		return -ENOMEM;
	w->sctx.fstype = w->fstype;
	return 0;
}

int create_work_mount(struct create_work *w)
{
	int r;

	w->rootfs_made = true;
	r = storage_mount_entry(w->backend, &w->sctx, w->work_fd, w->work_path);
	if (r == 0)
		w->mounted = w->backend->mount != NULL;
	return r;
}

static int unmount_rootfs(struct create_work *w)
{
	int r = 0;

	if (w->mounted) {
		r = storage_unmount_entry(w->backend, w->work_path);
		if (r == 0)
			w->mounted = false;
	}
	return r;
}

int create_work_empty_rootfs(struct create_work *w)
{
	int r = w->backend->create_empty(&w->sctx, w->work_fd);

	return r < 0 ? r : create_work_mount(w);
}

int create_work_fd(const struct create_work *w)
{
	return w->work_fd;
}

const char *create_work_path(const struct create_work *w)
{
	return w->work_path;
}

const struct storage_ops *create_work_backend(const struct create_work *w)
{
	return w->backend;
}

const struct storage_ctx *create_work_storage(const struct create_work *w)
{
	return &w->sctx;
}

static int publish(struct create_work *w)
{
	int store_fd = open(w->p->store, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r = 0;

	if (store_fd < 0)
		return log_error_errno(-errno, "cannot open %s: %m", w->p->store);
	r = fileio_rename_noreplace(store_fd, w->work, store_fd, w->name);
	if (r < 0) {
		if (r == -EEXIST)
			log_error("container \"%s\" already exists (in %s)", w->name, w->p->store);
		else
			log_error_errno(r, "cannot move %s into place: %m", w->name);
	} else {
		fsync(store_fd);
	}
	close(store_fd);
	return r;
}

static void rollback(struct create_work *w)
{
	int r;

	if (!w->work)
		return;
	if (unmount_rootfs(w) < 0)
		return; /* logged; left to the next sweep rather than destroy a mounted fs */
	if (w->rootfs_made)
		w->backend->destroy(&w->sctx, w->work_fd);
	r = fileio_rm_rf_at(AT_FDCWD, w->work_path);
	if (r < 0)
		log_warn_errno(r, "cannot remove %s: %m", w->work_path);
}

void create_work_free(struct create_work *w)
{
	if (!w)
		return;
	rollback(w);
	CLOSE_FD(w->work_fd);
	CLOSE_FD(w->lock);
	free(w->work);
	free(w->work_path);
	free(w->fstype);
	free(w->name);
	free(w);
}

int create_work_finish(struct create_work *w)
{
	int r = check_interrupt();

	if (r == 0)
		r = unmount_rootfs(w);
	if (r == 0)
		r = publish(w);
	if (r == 0) {
		free(w->work); /* published: nothing to roll back */
		w->work = NULL;
	}
	return r;
}

static int begin_locked(struct create_work *w)
{
	int r = store_exists(w->p, w->name);

	if (r < 0)
		return log_error_errno(r, "cannot look up %s in %s: %m", w->name, w->p->store);
	if (r > 0) {
		log_error("container \"%s\" already exists (in %s)", w->name, w->p->store);
		return -EEXIST;
	}
	store_sweep(w->p);
	r = store_workdir(w->p, "create", w->name, &w->work);
	if (r < 0)
		return r;
	w->work_fd = r;
	w->work_path = str_printf("%s/%s", w->p->store, w->work);
	return w->work_path ? 0 : -ENOMEM;
}

int create_work_begin(const struct sysc_paths *p, const char *name, const char *backend,
		      const char *config_file, struct create_work **ret)
{
	struct create_work *w;
	int r = store_check_name(name);

	if (r < 0)
		return r;
	if (config_file && (r = conf_check_file(config_file)) < 0)
		return r;
	/* before any fd is opened: fds from the host's namespace do not see
	 * the mounts made in ours */
	r = storage_private_ns();
	if (r < 0)
		return r;
	r = fileio_mkdir_p(p->store, 0700);
	if (r < 0)
		return log_error_errno(r, "cannot create store %s: %m", p->store);
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	*w = (struct create_work){.p = p, .lock = -EBADF, .work_fd = -EBADF, .name = strdup(name)};
	r = w->name ? pick_backend(w, backend, config_file) : -ENOMEM;
	if (r == 0) {
		w->lock = lock_container(p, name);
		r = w->lock < 0 ? w->lock : begin_locked(w);
	}
	if (r < 0) {
		create_work_free(w);
		return r;
	}
	*ret = w;
	return 0;
}

/* Make <work>/rootfs from the template (through its cache when it has one). */
static int make_rootfs(struct create_ctx *c)
{
	struct create_work *w = c->w;
	_cleanup_free_ char *cache_rootfs = NULL, *rootfs = NULL;
	const char *key;
	int64_t t0;
	int r;

	r = template_cache_key(c->exe, c->o->template_args, w->p->cache, &c->key);
	if (r < 0)
		return r;
	key = c->key.key;
	if (*key) {
		r = cache_ensure(w->p, c->exe, key, c->o->template_args, &cache_rootfs);
		if (r < 0)
			return r;
		template_key_remember(&c->key);
		r = check_interrupt();
		if (r < 0)
			return r;
		log_info("making rootfs of %s from cache %s (%s backend)...", c->o->name, key,
			 w->backend->name);
		t0 = monotonic_us();
		struct storage_cache cache = {.key = key, .rootfs = cache_rootfs};
		r = w->backend->create_from_cache(&w->sctx, &cache, w->work_fd);
		if (r < 0)
			return r;
		r = create_work_mount(w);
		log_debug("rootfs made in %.1f ms", elapsed(t0) * 1000);
		return r < 0 ? r : check_interrupt();
	}
	r = create_work_empty_rootfs(w);
	if (r < 0)
		return r;
	rootfs = str_printf("%s/rootfs", w->work_path);
	if (!rootfs)
		return -ENOMEM;
	log_info("running template %s for %s...", c->o->template, c->o->name);
	return template_build(c->exe, rootfs, c->o->template_args);
}

/* Settings the template suggested apply unless the user's file set them
 * (added after the user's text, which stays as it was written). */
static int apply_template_settings(struct conf_edit *ed, char **settings)
{
	for (size_t i = 0; settings && settings[i]; i++) {
		char *eq = strchr(settings[i], '=');
		*eq = '\0';
		if (!conf_key_known(settings[i])) {
			log_error("template suggested an unknown config key \"%s\"", settings[i]);
			return -EPROTO;
		}
		if (conf_edit_has(ed, settings[i]))
			continue;
		int r = conf_edit_set(ed, settings[i], eq + 1);
		if (r < 0)
			return r;
	}
	return 0;
}

int create_work_write_config(struct create_work *w, struct conf_edit *ed, const char *shifted)
{
	_cleanup_free_ char *dst = str_printf("%s/config", w->work_path);
	_cleanup_free_ char *facts_file = str_printf("%s/facts", w->work_path);
	_cleanup_(conf_edit_freep) struct conf_edit *facts = NULL;
	char uuid[UUID_STR_LEN];
	int r;

	if (!dst || !facts_file)
		return -ENOMEM;
	r = uuid_generate_random_str(uuid);
	if (r == 0)
		r = conf_facts_open(facts_file, &facts);
	if (r == 0)
		r = conf_edit_set(ed, "name", w->name);
	if (r == 0)
		r = conf_edit_set(ed, "rootfs.backend", w->backend->name);
	/* facts in the user's file or a source's old-style config are
	 * recorded apart (a new uuid replaces the source's) */
	if (r == 0)
		r = conf_edit_move_facts(ed, facts);
	if (r >= 0)
		r = conf_edit_set(facts, "uuid", uuid);
	if (r == 0 && shifted && *shifted)
		r = conf_edit_set(facts, "rootfs.shifted", shifted);
	if (r == 0)
		r = conf_edit_write(ed, w->p->default_conf, dst);
	if (r == 0)
		r = conf_facts_write(facts, facts_file);
	if (r == 0)
		r = idmap_ensure(w->p, w->name, dst);
	return r < 0 ? r : check_interrupt();
}

static int write_config(struct create_ctx *c, char **settings)
{
	struct conf_edit *ed = NULL;
	int r;

	/* the user's file as written, then what the template suggested for
	 * the keys it does not set */
	r = conf_edit_open(NULL, &ed);
	if (r < 0)
		return r;
	if (c->o->config_file)
		r = conf_edit_merge_file(ed, c->o->config_file);
	if (r == 0)
		r = apply_template_settings(ed, settings);
	if (r == 0)
		r = conf_edit_set(ed, "template", c->o->template);
	if (r == 0)
		r = create_work_write_config(c->w, ed, NULL);
	conf_edit_free(ed);
	return r;
}

static int configure_rootfs(struct create_ctx *c)
{
	_cleanup_free_ char *rootfs = str_printf("%s/rootfs", c->w->work_path);
	_cleanup_strv_ char **settings = NULL;
	int r;

	if (!rootfs)
		return -ENOMEM;
	log_info("configuring %s...", c->o->name);
	if (c->key.configure_identity)
		r = rootfs_identity_write(rootfs, c->o->name);
	else
		r = template_configure(c->exe, rootfs, c->o->name, c->o->template_args, &settings);
	if (r < 0)
		return r;
	return write_config(c, settings);
}

int create_container(const struct sysc_paths *p, const struct create_opts *o)
{
	struct create_ctx c = {.o = o};
	int64_t t0;
	int r;

	t0 = monotonic_us();
	r = store_check_name(o->name);
	if (r < 0)
		return r;
	r = template_find(p, o->template, &c.exe);
	if (r < 0)
		return r;
	r = create_work_begin(p, o->name, o->backend, o->config_file, &c.w);
	if (r == 0)
		r = make_rootfs(&c);
	if (r == 0)
		r = configure_rootfs(&c);
	if (r == 0)
		r = hooks_run_new(p, create_work_path(c.w), HOOK_CREATE, NULL);
	if (r == 0)
		r = create_work_finish(c.w);
	if (r == 0)
		log_info("created container %s (%s backend) in %.2fs", o->name, c.w->backend->name,
			 elapsed(t0));
	create_work_free(c.w);
	template_key_done(&c.key);
	free(c.exe);
	return r;
}
