/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Listing and removing template caches; a cache an entry still depends on
 * (an overlay's lower layer) is not removed. */
#include "config/config.h"
#include "lib/cache.h"
#include "lib/json.h"
#include "lib/lock.h"
#include "lib/paths.h"
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
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Does the entry at dirfd/path use cache key? */
static int entry_uses(const struct storage_ops *ops, const struct storage_ctx *ctx, int dirfd,
		      const char *path, const char *key)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	return fd < 0 ? 0 : ops->uses_cache(ctx, fd, key);
}

/* Containers (NAME, or NAME/SNAP for snapshots) of the store that use key. */
static int find_users(const struct sysc_paths *p, const char *key, char ***ret)
{
	_cleanup_strv_ char **names = NULL, **users = NULL;
	int r = store_list(p, &names);

	if (r < 0)
		return r;
	for (size_t i = 0; names[i]; i++) {
		struct sysc_conf *conf = NULL;
		const struct storage_ops *ops;
		struct storage_ctx ctx;
		_cleanup_free_ char *entry = paths_container_dir(p, names[i]);
		_cleanup_free_ char *snaps = str_printf("%s/snapshots", entry ? entry : "");
		_cleanup_closedir_ DIR *d = NULL;
		struct dirent *de;

		if (!entry || !snaps)
			return -ENOMEM;
		if (store_load_conf(p, names[i], &conf) < 0)
			continue;
		r = store_storage(p, conf->rootfs.backend, conf, names[i], &ctx, &ops);
		conf_free(conf);
		if (r < 0 || !ops->uses_cache)
			continue;
		if (entry_uses(ops, &ctx, AT_FDCWD, entry, key) > 0 &&
		    strv_push(&users, names[i]) < 0)
			return -ENOMEM;
		d = opendir(snaps);
		while (d && (de = readdir(d))) {
			_cleanup_free_ char *u = str_printf("%s/%s", names[i], de->d_name);
			if (!u)
				return -ENOMEM;
			if (de->d_name[0] != '.' &&
			    entry_uses(ops, &ctx, dirfd(d), de->d_name, key) > 0 &&
			    strv_push(&users, u) < 0)
				return -ENOMEM;
		}
	}
	*ret = TAKE_PTR(users);
	return 0;
}

int cache_list(const struct sysc_paths *p, bool json)
{
	_cleanup_closedir_ DIR *d = opendir(p->cache);
	_cleanup_strv_ char **keys = NULL;
	struct json j = {.f = stdout};
	struct dirent *de;

	if (!d && errno != ENOENT)
		return log_error_errno(-errno, "cannot read %s: %m", p->cache);
	while (d && (de = readdir(d))) {
		_cleanup_free_ char *rootfs = str_printf("%s/rootfs", de->d_name);
		struct stat st;
		if (!rootfs)
			return -ENOMEM;
		if (de->d_name[0] != '.' && fstatat(dirfd(d), rootfs, &st, 0) == 0 &&
		    strv_push(&keys, de->d_name) < 0)
			return -ENOMEM;
	}
	if (json)
		json_begin_array(&j);
	else
		printf("%-40s  %-20s  %s\n", "CACHE", "BUILT", "USED BY");
	for (size_t i = 0; keys && keys[i]; i++) {
		_cleanup_strv_ char **users = NULL;
		_cleanup_free_ char *u = NULL;
		char built[32] = "-";
		struct stat st;
		struct tm tm;

		if (fstatat(dirfd(d), keys[i], &st, 0) == 0)
			strftime(built, sizeof(built), "%Y-%m-%d %H:%M",
				 localtime_r(&st.st_mtime, &tm));
		if (find_users(p, keys[i], &users) < 0)
			return -ENOMEM;
		if (json) {
			json_begin_object(&j);
			json_key(&j, "key");
			json_string(&j, keys[i]);
			json_key(&j, "built");
			json_string(&j, built);
			json_key(&j, "used_by");
			json_begin_array(&j);
			for (char **x = users; x && *x; x++)
				json_string(&j, *x);
			json_end_array(&j);
			json_end_object(&j);
			continue;
		}
		u = users ? strv_join(users, ", ") : NULL;
		printf("%-40s  %-20s  %s\n", keys[i], built, u && *u ? u : "-");
	}
	if (json) {
		json_end_array(&j);
		putchar('\n');
	}
	return 0;
}

int cache_remove(const struct sysc_paths *p, const char *key)
{
	_cleanup_free_ char *lock = str_printf("%s/%s.lock", p->cache, key);
	_cleanup_free_ char *what = str_printf("template cache %s", key);
	_cleanup_free_ char *dir = str_printf("%s/%s", p->cache, key);
	_cleanup_strv_ char **users = NULL;
	_cleanup_close_ int lock_fd = -EBADF;
	struct storage_ctx ctx = {.global = p->global, .store = p->store, .cache = p->cache};
	struct stat st;
	int r;

	if (!lock || !what || !dir)
		return -ENOMEM;
	if (!*key || strchr(key, '/') || key[0] == '.') {
		log_error("invalid template cache name \"%s\"", key);
		return -EINVAL;
	}
	if (stat(dir, &st) < 0) {
		log_error("no template cache \"%s\" in %s (see sysc-cache ls)", key, p->cache);
		return -ENOENT;
	}
	lock_fd = lock_path(lock, what);
	if (lock_fd < 0)
		return lock_fd;
	r = find_users(p, key, &users);
	if (r < 0)
		return r;
	if (users && users[0]) {
		_cleanup_free_ char *u = strv_join(users, ", ");
		log_error("template cache %s is in use by: %s (its overlay lower layer; destroy "
			  "them or sysc-copy them to another backend first)",
			  key, u ? u : "?");
		return -EBUSY;
	}
	for (const char *const *b = storage_backend_names(); *b; b++) {
		const struct storage_ops *ops = storage_find(*b, &ctx);
		if (ops && ops->remove_cache && ops->usable(&ctx, false) > 0 &&
		    (r = ops->remove_cache(&ctx, key)) < 0)
			return r;
	}
	r = fileio_rm_rf_at(AT_FDCWD, dir);
	if (r < 0)
		return log_error_errno(r, "cannot remove %s: %m", dir);
	unlink(lock);
	log_info("template cache %s removed", key);
	return 0;
}
