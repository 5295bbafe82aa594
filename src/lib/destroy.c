/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/destroy.h"
#include "config/config.h"
#include "lib/lock.h"
#include "lib/paths.h"
#include "lib/state.h"
#include "lib/store.h"
#include "storage/storage.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/strv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void conf_freep(struct sysc_conf **c)
{
	conf_free(*c);
}

int destroy_container(const struct sysc_paths *p, const char *name, bool force)
{
	_cleanup_(conf_freep) struct sysc_conf *conf = NULL;
	_cleanup_close_ int lock = -EBADF, work_fd = -EBADF, store_fd = -EBADF;
	_cleanup_free_ char *work = NULL;
	const struct storage_ops *backend;
	struct storage_ctx sctx = {.global = p->global, .name = name};
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
	r = state_stop_if_running(p, name, force);
	if (r < 0)
		return r;
	backend = storage_find(conf ? conf->rootfs.backend : "dir", p->store);
	if (!backend) {
		log_error("container %s uses unknown storage backend \"%s\"", name,
			  conf->rootfs.backend);
		return -EINVAL;
	}
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
	r = backend->destroy(&sctx, entry_fd, "rootfs");
	if (r < 0)
		return r; /* logged; the hidden leftover is swept by the next command */
	r = fileio_rm_rf_at(store_fd, work);
	if (r < 0)
		return log_error_errno(r, "cannot remove %s/%s: %s", p->store, work, strerror(-r));
	log_info("destroyed container %s", name);
	return 0;
}
