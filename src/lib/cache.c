/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/cache.h"
#include "lib/lock.h"
#include "lib/paths.h"
#include "lib/template.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/monotonic.h"
#include "util/strv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Remove build directories of key left by a killed create (we hold the key's lock). */
static void sweep_builds(int cache_fd, const char *key)
{
	_cleanup_free_ char *prefix = str_printf(".build-%s-", key);
	DIR *d;
	struct dirent *de;
	int fd = dup(cache_fd);

	if (!prefix || fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d)))
		if (str_startswith(de->d_name, prefix)) {
			log_info("removing an unfinished cache build %s", de->d_name);
			fileio_rm_rf_at(cache_fd, de->d_name);
		}
	closedir(d);
}

static int build_cache(const struct sysc_paths *p, int cache_fd, const char *exe, const char *key,
		       char *const *args)
{
	_cleanup_free_ char *tmp = str_printf("%s/.build-%s-XXXXXX", p->cache, key);
	_cleanup_free_ char *rootfs = NULL;
	int64_t t0;
	int r;

	if (!tmp)
		return -ENOMEM;
	if (!mkdtemp(tmp))
		return log_error_errno(-errno, "cannot create %s: %m", tmp);
	rootfs = str_printf("%s/rootfs", tmp);
	if (!rootfs || mkdir(rootfs, 0755) < 0) {
		r = rootfs ? -errno : -ENOMEM;
		fileio_rm_rf_at(AT_FDCWD, tmp);
		return r;
	}
	log_info("building template cache %s (only the first create does this)...", key);
	t0 = monotonic_us();
	r = template_build(exe, rootfs, args);
	if (r == 0 && renameat(AT_FDCWD, tmp, cache_fd, key) < 0)
		r = log_error_errno(-errno, "cannot move cache into place at %s/%s: %m", p->cache,
				    key);
	if (r < 0) {
		int q = fileio_rm_rf_at(AT_FDCWD, tmp);
		if (q < 0)
			log_warn_errno(q, "cannot remove unfinished cache %s: %m", tmp);
		return r;
	}
	fsync(cache_fd);
	log_info("template cache %s ready (%.1fs)", key, (double)(monotonic_us() - t0) / 1e6);
	return 0;
}

int cache_ensure(const struct sysc_paths *p, const char *exe, const char *key, char *const *args,
		 char **ret_rootfs)
{
	_cleanup_free_ char *lock = str_printf("%s/%s.lock", p->cache, key);
	_cleanup_free_ char *what = str_printf("template cache %s", key);
	_cleanup_free_ char *rootfs = str_printf("%s/%s/rootfs", p->cache, key);
	_cleanup_close_ int lock_fd = -EBADF, cache_fd = -EBADF;
	struct stat st;
	int r;

	if (!lock || !what || !rootfs)
		return -ENOMEM;
	r = fileio_mkdir_p(p->cache, 0700);
	if (r < 0)
		return log_error_errno(r, "cannot create cache directory %s: %m", p->cache);
	lock_fd = lock_path(lock, what);
	if (lock_fd < 0)
		return lock_fd;
	cache_fd = open(p->cache, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cache_fd < 0)
		return log_error_errno(-errno, "cannot open %s: %m", p->cache);
	if (stat(rootfs, &st) < 0) {
		if (errno != ENOENT)
			return log_error_errno(-errno, "cannot access %s: %m", rootfs);
		sweep_builds(cache_fd, key);
		r = build_cache(p, cache_fd, exe, key, args);
		if (r < 0)
			return r;
	} else {
		log_info("using template cache %s", key);
	}
	*ret_rootfs = TAKE_PTR(rootfs);
	return 0;
}
