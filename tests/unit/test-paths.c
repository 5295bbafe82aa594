/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Store identity: the default store keeps plain names, any other store's
 * containers are NAME@STOREID, the same store by any path has one id. */
#include "tap.h"
#include "lib/paths.h"
#include "util/strv.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[64];

static struct sysc_paths *load(const char *store)
{
	struct sysc_paths *p = NULL;

	if (paths_load(store, &p) < 0)
		return NULL;
	return p;
}

static void check_key(const struct sysc_paths *p, const char *want_key)
{
	char *key = paths_container_key(p, "web"), *run = paths_container_run(p, "web");
	char *lock = paths_container_lock(p, "web");
	char *want_run = str_printf("/run-test/%s", want_key);
	char *want_lock = str_printf("/run-test/.locks/%s", want_key);

	CHECK_STREQ(key, want_key, "key %s", key);
	CHECK_STREQ(run, want_run, "run dir %s", run);
	CHECK_STREQ(lock, want_lock, "lock %s", lock);
	free(key), free(run), free(lock), free(want_run), free(want_lock);
}

int main(void)
{
	char *s;
	FILE *f;

	snprintf(root, sizeof(root), "/tmp/sysc-test-paths.XXXXXX");
	if (!mkdtemp(root))
		return 1;
	s = str_printf("%s/etc", root);
	mkdir(s, 0755);
	setenv("SYSC_CONF_DIR", s, 1);
	free(s);
	s = str_printf("%s/etc/sysc.conf", root);
	f = fopen(s, "w");
	fprintf(f, "path = \"%s/store\";\n", root);
	fclose(f);
	free(s);
	s = str_printf("%s/real", root);
	mkdir(s, 0755);
	free(s);
	s = str_printf("%s/real", root);
	char *link = str_printf("%s/link", root);
	symlink(s, link);
	free(s);
	setenv("SYSC_RUN_DIR", "/run-test", 1);
	unsetenv("SYSC_PATH");

	struct sysc_paths *def = load(NULL);
	CHECK(def && def->store_default, "the configured store is the default one");
	if (def)
		check_key(def, "web");
	s = str_printf("%s/real/../store/", root);
	struct sysc_paths *alias = load(s);
	free(s);
	CHECK(alias && alias->store_default && !strcmp(alias->store_id, def->store_id),
	      "the default store by another spelling (not made yet)");

	s = str_printf("%s/real", root);
	struct sysc_paths *real = load(s);
	free(s);
	struct sysc_paths *via_link = load(link);
	CHECK(real && !real->store_default && strlen(real->store_id) == 12,
	      "another store: not default, 12 hex id %s", real ? real->store_id : "");
	CHECK(via_link && !strcmp(via_link->store_id, real->store_id),
	      "the same store through a symlink: the same id");
	if (real) {
		s = str_printf("web@%s", real->store_id);
		check_key(real, s);
		free(s);
	}
	CHECK(chdir(root) == 0, "chdir");
	struct sysc_paths *rel = load("real");
	CHECK(rel && !strcmp(rel->store_id, real->store_id), "a relative path: the same id");
	s = str_printf("%s/other", root);
	struct sysc_paths *other = load(s);
	free(s);
	CHECK(other && strcmp(other->store_id, real->store_id) != 0, "two stores, two ids");

	paths_free(def), paths_free(alias), paths_free(real), paths_free(via_link);
	paths_free(rel), paths_free(other);
	unlink(link);
	free(link);
	s = str_printf("rm -rf '%s'", root);
	if (system(s) != 0)
		CHECK(0, "cleanup of %s", root);
	free(s);
	return tap_done();
}
