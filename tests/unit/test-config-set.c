/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* config_set_key() (src/lib/config-set.c), what sysc-config NAME KEY VALUE
 * and --unset call: the fixed-keys rule, a missing container, validation,
 * nothing changed on failure, a broken config can be fixed, the lock is
 * released; config_set_key_unlocked() for a caller that holds the lock. No
 * root needed: a private store, run and conf dir. */
#include "tap.h"
#include "lib/config-set.h"
#include "lib/lock.h"
#include "lib/paths.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/strv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[] = "/tmp/test-config-set.XXXXXX";

static char *tpath(const char *name)
{
	return str_printf("%s/%s", root, name);
}

/* setenv copies the value: the path is ours to free */
static void setenv_path(const char *var, const char *name)
{
	_cleanup_free_ char *path = tpath(name);

	setenv(var, path, 1);
}

static void write_file(const char *name, const char *content)
{
	_cleanup_free_ char *path = tpath(name);
	FILE *f = fopen(path, "we");

	if (!f) {
		perror(path);
		exit(99);
	}
	fputs(content, f);
	fclose(f);
}

static char *read_config(const char *name)
{
	_cleanup_free_ char *path = str_printf("%s/store/%s/config", root, name);
	char *data = NULL;

	if (fileio_read_at(AT_FDCWD, path, &data, NULL) < 0)
		return NULL;
	return data;
}

static void setup(void)
{
	const char *dirs[] = {"etc", "run", "state", "store", "store/c1", NULL};
	const char *top = getenv("top_srcdir");
	_cleanup_free_ char *def = str_printf("%s/config/default.conf", top ? top : ".");
	_cleanup_free_ char *data = NULL;

	if (!mkdtemp(root))
		exit(99);
	for (size_t i = 0; dirs[i]; i++) {
		_cleanup_free_ char *d = tpath(dirs[i]);
		mkdir(d, 0755);
	}
	if (fileio_read_at(AT_FDCWD, def, &data, NULL) < 0) {
		fprintf(stderr, "cannot read %s\n", def);
		exit(99);
	}
	write_file("etc/default.conf", data);
	write_file("store/c1/config", "name = \"c1\";\n");
	setenv_path("SYSC_CONF_DIR", "etc");
	setenv_path("SYSC_RUN_DIR", "run");
	setenv_path("SYSC_STATE_DIR", "state");
	setenv_path("SYSC_PATH", "store");
}

static void check_fixed(const struct sysc_paths *p)
{
	_cleanup_free_ char *before = read_config("c1"), *after = NULL;

	CHECK(config_set_is_fixed("name") && config_set_is_fixed("rootfs.backend") &&
		      !config_set_is_fixed("cgroup.memory.max"),
	      "name and rootfs.backend are the fixed keys");
	CHECK(config_set_key(p, "c1", "name", "other") == -EPERM, "name cannot be set");
	CHECK(config_set_key(p, "c1", "rootfs.backend", "btrfs") == -EPERM,
	      "rootfs.backend cannot be set");
	CHECK(config_set_key(p, "c1", "name", NULL) == -EPERM, "name cannot be unset");
	after = read_config("c1");
	CHECK_STREQ(before, after, "config unchanged after refused sets");
}

static void check_set_unset(const struct sysc_paths *p)
{
	_cleanup_free_ char *set = NULL, *bad = NULL, *unset = NULL;

	CHECK(config_set_key(p, "c1", "cgroup.memory.max", "512M") == 0, "set a key");
	set = read_config("c1");
	CHECK(set && strstr(set, "max = \"512M\"") && strstr(set, "name = \"c1\""),
	      "the key is written, the rest kept");
	CHECK(config_set_key(p, "c1", "cgroup.memory.max", "12XB") < 0, "invalid value refused");
	CHECK(config_set_key(p, "c1", "cgroup.memroy.max", "1G") < 0, "unknown key refused");
	bad = read_config("c1");
	CHECK_STREQ(set, bad, "config unchanged after failed sets");
	CHECK(config_set_key(p, "c1", "cgroup.memory.max", NULL) == 0, "unset a key");
	unset = read_config("c1");
	CHECK(unset && !strstr(unset, "memory") && strstr(unset, "name = \"c1\""),
	      "the key is gone, the rest kept");
}

static void check_missing(const struct sysc_paths *p)
{
	_cleanup_free_ char *dir = str_printf("%s/store/nosuch", root);
	struct stat st;

	CHECK(config_set_key(p, "nosuch", "cgroup.memory.max", "1G") == -ENOENT,
	      "a missing container: -ENOENT");
	CHECK(stat(dir, &st) < 0 && errno == ENOENT, "and no entry made for it");
}

static void check_broken_fixed(const struct sysc_paths *p)
{
	_cleanup_free_ char *after = NULL;

	write_file("store/c1/config",
		   "name = \"c1\";\ncgroup = { memory = { max = \"12XB\"; }; };\n");
	CHECK(config_set_key(p, "c1", "cgroup.memory.max", "1G") == 0,
	      "a broken value can be fixed by setting it");
	after = read_config("c1");
	CHECK(after && !strstr(after, "12XB") && strstr(after, "max = \"1G\""),
	      "the broken value is replaced");
}

static void check_lock_released(const struct sysc_paths *p)
{
	_cleanup_free_ char *path = paths_container_lock(p, "c1");
	_cleanup_close_ int fd = path ? open(path, O_RDWR | O_CLOEXEC) : -EBADF;

	CHECK(fd >= 0 && lock_try_fd(fd) == 1, "the container lock was taken and released");
}

static void check_unlocked(const struct sysc_paths *p)
{
	_cleanup_close_ int lock = lock_container(p, "c1");
	_cleanup_free_ char *set = NULL;

	CHECK(lock >= 0, "the test holds the container lock");
	CHECK(config_set_key_unlocked(p, "c1", "cgroup.pids.max", "100") == 0,
	      "the unlocked variant sets a key while the caller holds the lock");
	set = read_config("c1");
	CHECK(set && strstr(set, "max = 100") && strstr(set, "name = \"c1\""),
	      "the key is written, the rest kept");
	CHECK(config_set_key_unlocked(p, "c1", "name", "other") == -EPERM,
	      "the unlocked variant refuses a fixed key too");
}

int main(void)
{
	struct sysc_paths *p = NULL;

	setup();
	if (paths_load(NULL, &p) < 0)
		return 99;
	check_fixed(p);
	check_set_unset(p);
	check_missing(p);
	check_broken_fixed(p);
	check_lock_released(p);
	check_unlocked(p);
	paths_free(p);
	fileio_rm_rf_at(AT_FDCWD, root);
	return tap_done();
}
