/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Changing one key of a container's config (sysc-config NAME KEY VALUE,
 * --unset): under the container's lock, validated against the schema and
 * default.conf, written atomically. Keys fixed at create (name,
 * rootfs.backend) cannot be changed. A running container sees the change at
 * its next start. */
#pragma once

#include <stdbool.h>

struct sysc_paths;

/* true for the keys that are fixed once a container is created. */
bool config_set_is_fixed(const char *key);
/* Set key to value (text parsed by the key's type, as for conf_edit_set()),
 * or remove it (value NULL: back to its default) in container name's config.
 * The container must exist; its current config may be broken (fixing it is
 * fine). Nothing is changed on failure. -EPERM for a fixed key, -ENOENT for
 * a missing container; logs its errors. */
int config_set_key(const struct sysc_paths *p, const char *name, const char *key,
		   const char *value);
/* The same for a caller that already holds the container's lock
 * (lock_container()) and knows the container exists: the fixed-keys rule,
 * then the key is set or removed and the config written atomically. */
int config_set_key_unlocked(const struct sysc_paths *p, const char *name, const char *key,
			    const char *value);
/* sysc-config NAME --edit: under the container's lock, run $VISUAL,
 * $EDITOR, sensible-editor or vi on a copy of the config; an unchanged copy
 * writes nothing; a changed one is validated as a load would (and must keep
 * name and rootfs.backend) and written atomically. An invalid one is shown
 * and, on a terminal, the user is asked to edit again; never written.
 * -EINVAL (logged) when the edit stays invalid. */
int config_edit(const struct sysc_paths *p, const char *name);
