/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/destroy.h"
#include "lib/hooks.h"
#include "config/config.h"
#include "lib/idmap.h"
#include "lib/lock.h"
#include "lib/paths.h"
#include "net/net.h"
#include "lib/state.h"
#include "lib/stop.h"
#include "lib/store.h"
#include "storage/storage.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/strv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The container's snapshots first (each an entry of its own), then its rootfs. */
static int destroy_storage(const struct storage_ops *ops, const struct storage_ctx *ctx,
			   int entry_fd)
{
	_cleanup_close_ int snaps_fd =
		openat(entry_fd, "snapshots", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	int r;

	if (snaps_fd >= 0) {
		_cleanup_closedir_ DIR *d = fdopendir(snaps_fd);
		struct dirent *de;

		if (!d)
			return log_error_errno(-errno, "cannot read the snapshots of %s: %m",
					       ctx->name);
		TAKE_FD(snaps_fd);
		while ((de = readdir(d))) {
			_cleanup_close_ int fd = -EBADF;

			if (de->d_name[0] == '.')
				continue;
			fd = openat(dirfd(d), de->d_name,
				    O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
			if (fd < 0)
				continue;
			r = ops->destroy(ctx, fd);
			if (r < 0)
				return r;
		}
	}
	return ops->destroy(ctx, entry_fd);
}

/* Fails with a clear message when it runs, unless force: then it is killed first. */
static int stop_if_running(const struct sysc_paths *p, const char *name, bool force)
{
	struct state_info s;
	int r = state_read(p, name, &s);

	if (r < 0)
		return log_error_errno(r, "cannot read the state of %s: %m", name);
	if (s.state == STATE_STOPPED)
		return 0;
	if (!force) {
		log_error("container %s is %s; stop it first (sysc-stop %s) or use --force", name,
			  state_name(s.state), name);
		return -EBUSY;
	}
	return stop_container(p, name, &(struct stop_opts){.kill = true});
}

int destroy_container(const struct sysc_paths *p, const char *name, bool force)
{
	_cleanup_(conf_freep) struct sysc_conf *conf = NULL;
	_cleanup_close_ int lock = -EBADF, work_fd = -EBADF, store_fd = -EBADF;
	_cleanup_free_ char *work = NULL;
	const struct storage_ops *backend;
	struct storage_ctx sctx;
	int r = store_check_name(name);

	if (r < 0)
		return r;
	lock = lock_container(p, name);
	if (lock < 0)
		return lock;
	r = store_load_conf(p, name, &conf);
	if (r == -EINVAL && force)
		log_warn("config of %s is invalid; destroying anyway (--force)", name);
	else if (r < 0)
		return r;
	r = stop_if_running(p, name, force);
	if (r < 0)
		return r;
	r = conf ? hooks_run(&(struct hooks_ctx){.store = p->store, .conf = conf}, HOOK_DESTROY)
		 : 0;
	if (r < 0 && !force)
		return r;
	r = store_storage(p, conf ? conf->rootfs.backend : "dir", conf, name, &sctx, &backend);
	if (r < 0)
		return r;
	/* from here on the container is gone for everyone else */
	work_fd = store_workdir(p, "destroy", name, &work);
	if (work_fd < 0)
		return work_fd;
	store_fd = open(p->store, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (store_fd < 0 || renameat(store_fd, name, work_fd, name) < 0) {
		r = log_error_errno(-errno, "cannot remove %s from %s: %m", name, p->store);
		unlinkat(store_fd, work, AT_REMOVEDIR);
		return r;
	}
	_cleanup_free_ char *entry = str_printf("%s/%s", work, name);
	_cleanup_close_ int entry_fd =
		entry ? openat(store_fd, entry, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -EBADF;
	if (entry_fd < 0)
		return log_error_errno(-errno, "cannot open %s/%s: %m", p->store, entry);
	r = destroy_storage(backend, &sctx, entry_fd);
	if (r < 0)
		return r; /* logged; the hidden leftover is swept by the next command */
	r = fileio_rm_rf_at(store_fd, work);
	if (r < 0)
		return log_error_errno(r, "cannot remove %s/%s: %m", p->store, work);
	if (conf && !conf->security.privileged)
		idmap_release(p, conf->uuid); /* logged; at worst the range stays blocked */
	if (conf) {
		struct net_env env;

		paths_net_env(p, &env);
		net_pool_release(&env, conf->uuid); /* logged; at worst an address stays leased */
	}
	log_info("destroyed container %s", name);
	return 0;
}
