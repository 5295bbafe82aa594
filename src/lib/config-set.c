/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/config-set.h"
#include "config/config.h"
#include "lib/lock.h"
#include "lib/paths.h"
#include "lib/store.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

static const char *const fixed_keys[] = {"name", "rootfs.backend", NULL};

bool config_set_is_fixed(const char *key)
{
	for (size_t i = 0; fixed_keys[i]; i++)
		if (strcmp(key, fixed_keys[i]) == 0)
			return true;
	return false;
}

static int edit_file(const struct sysc_paths *p, const char *file, const char *key,
		     const char *value)
{
	struct conf_edit *ed = NULL;
	int r = conf_edit_open(file, &ed);

	if (r == 0)
		r = value ? conf_edit_set(ed, key, value) : conf_edit_unset(ed, key);
	if (r == 0)
		r = conf_edit_write(ed, p->default_conf, file);
	conf_edit_free(ed);
	return r;
}

/* -EPERM, logged, if key is fixed once the container is created. */
static int refuse_fixed(const char *name, const char *key)
{
	if (!config_set_is_fixed(key))
		return 0;
	log_error("%s of %s cannot be changed after create", key, name);
	return -EPERM;
}

int config_set_key_unlocked(const struct sysc_paths *p, const char *name, const char *key,
			    const char *value)
{
	_cleanup_free_ char *file = NULL;
	int r = refuse_fixed(name, key);

	if (r < 0)
		return r;
	file = paths_container_config(p, name);
	if (!file)
		return log_error_errno(-ENOMEM, "out of memory");
	return edit_file(p, file, key, value);
}

int config_set_key(const struct sysc_paths *p, const char *name, const char *key, const char *value)
{
	_cleanup_close_ int lock = -EBADF;
	int r = refuse_fixed(name, key);

	if (r < 0)
		return r;
	lock = lock_container(p, name);
	if (lock < 0)
		return lock;
	r = store_exists(p, name);
	if (r < 0)
		return log_error_errno(r, "cannot look up container \"%s\" in %s: %m", name,
				       p->store);
	if (r == 0) {
		log_error("container \"%s\" does not exist (in %s)", name, p->store);
		return -ENOENT;
	}
	return config_set_key_unlocked(p, name, key, value);
}
