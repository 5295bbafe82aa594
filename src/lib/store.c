/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/store.h"
#include "config/config.h"
#include "lib/facts.h"
#include "lib/lock.h"
#include "lib/paths.h"
#include "lib/state.h"
#include "storage/storage.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/name.h"
#include "util/strv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int store_check_name(const char *name)
{
	const char *reason = NULL;

	if (name_validate(name, &reason) < 0) {
		log_error("invalid container name \"%s\": %s", name, reason);
		return -EINVAL;
	}
	return 0;
}

int store_exists(const struct sysc_paths *p, const char *name)
{
	_cleanup_free_ char *cfg = paths_container_config(p, name);
	struct stat st;

	if (!cfg)
		return -ENOMEM;
	if (stat(cfg, &st) < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
	return 1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int store_list(const struct sysc_paths *p, char ***ret_names)
{
	_cleanup_closedir_ DIR *d = opendir(p->store);
	_cleanup_strv_ char **names = NULL;
	struct dirent *de;

	if (!d && errno != ENOENT)
		return log_error_errno(-errno, "cannot read store %s: %m", p->store);
	while (d && (de = readdir(d))) {
		struct stat st;
		_cleanup_free_ char *cfg = NULL;

		if (de->d_name[0] == '.' || name_validate(de->d_name, NULL) < 0)
			continue;
		cfg = str_printf("%s/config", de->d_name);
		if (!cfg)
			return -ENOMEM;
		if (fstatat(dirfd(d), cfg, &st, 0) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (strv_push(&names, de->d_name) < 0)
			return -ENOMEM;
	}
	if (!names && !(names = calloc(1, sizeof(char *))))
		return -ENOMEM;
	qsort(names, strv_length(names), sizeof(char *), cmp_str);
	*ret_names = TAKE_PTR(names);
	return 0;
}

int store_sweep(const struct sysc_paths *p)
{
	_cleanup_closedir_ DIR *d = opendir(p->store);
	struct dirent *de;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		_cleanup_close_ int fd = -EBADF;

		if (strncmp(de->d_name, ".create-", 8) && strncmp(de->d_name, ".destroy-", 9))
			continue;
		fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0 || lock_try_fd(fd) != 1)
			continue; /* someone is working in it */
		log_debug("removing leftovers of an interrupted command: %s/%s", p->store,
			  de->d_name);
		int r = storage_rm_rf_at(dirfd(d), de->d_name);
		if (r < 0)
			log_warn_errno(r, "cannot remove leftover %s/%s: %m", p->store, de->d_name);
	}
	return 0;
}

int store_workdir(const struct sysc_paths *p, const char *kind, const char *name, char **ret_name)
{
	_cleanup_free_ char *path = str_printf("%s/.%s-%s-XXXXXX", p->store, kind, name);
	_cleanup_close_ int fd = -EBADF;

	if (!path)
		return -ENOMEM;
	if (!mkdtemp(path))
		return log_error_errno(-errno, "cannot create a work directory in %s: %m",
				       p->store);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || lock_try_fd(fd) != 1) {
		int r = fd < 0 ? -errno : -EBUSY;
		rmdir(path);
		return log_error_errno(r, "cannot lock work directory %s", path);
	}
	*ret_name = strdup(strrchr(path, '/') + 1);
	if (!*ret_name) {
		rmdir(path);
		return -ENOMEM;
	}
	return TAKE_FD(fd);
}

int store_check_container(const struct sysc_paths *p, const char *name)
{
	int r = store_check_name(name);

	if (r < 0)
		return r;
	r = store_exists(p, name);
	if (r < 0)
		return log_error_errno(r, "cannot look up container %s in %s: %m", name, p->store);
	if (r == 0) {
		log_error("container \"%s\" does not exist (in %s)", name, p->store);
		return -ENOENT;
	}
	return 0;
}

int store_load_conf(const struct sysc_paths *p, const char *name, struct sysc_conf **ret)
{
	_cleanup_free_ char *cfg = NULL;
	int r = store_check_container(p, name);

	if (r < 0)
		return r;
	cfg = paths_container_config(p, name);
	if (!cfg)
		return -ENOMEM;
	return facts_load_conf(p, cfg, ret);
}

int store_read_state(const struct sysc_paths *p, const char *name, struct state_info *ret)
{
	int r = store_check_name(name);

	if (r < 0)
		return r;
	if (store_exists(p, name) <= 0)
		return log_error_errno(-ENOENT, "container \"%s\" does not exist (in %s)", name,
				       p->store);
	r = state_read(p, name, ret);
	if (r < 0)
		return log_error_errno(r, "cannot read the state of %s: %m", name);
	return 0;
}

int store_storage(const struct sysc_paths *p, const char *backend, const struct sysc_conf *conf,
		  const char *name, struct storage_ctx *ret_ctx, const struct storage_ops **ret_ops)
{
	const char *want = backend ? backend : p->global->default_backend;
	const struct storage_ops *ops;
	int r;

	*ret_ctx = (struct storage_ctx){
		.global = p->global,
		.name = name,
		.store = p->store,
		.cache = p->cache,
		.size = conf ? conf->rootfs.size : 0,
		.fstype = conf && conf->rootfs.fstype ? conf->rootfs.fstype : "ext4",
	};
	ops = storage_find(want, ret_ctx);
	if (!ops) {
		_cleanup_free_ char *all = strv_join((char **)storage_backend_names(), ", ");
		log_error("unknown storage backend \"%s\" (available: %s, best)",
			  want ? want : "best", all ? all : "");
		return -EINVAL;
	}
	r = ops->usable(ret_ctx, true);
	if (r < 0)
		return r;
	if (r == 0) {
		log_error("storage backend %s cannot be used for store %s", ops->name, p->store);
		return -EOPNOTSUPP;
	}
	*ret_ops = ops;
	return 0;
}
