/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sysc-import's trust rules: the config of an archive is data from
 * elsewhere. Settings that weaken the container's isolation or act on the
 * host are refused unless the user names each one (--allow KEY); the list
 * and the reasons are in doc/security.md, "Import trust rules". */
#pragma once

#include <stdbool.h>

struct sysc_conf;

/* The archive's config a (merged over the host's default.conf) against the
 * defaults alone d: every setting that is weaker than d's is logged with
 * why and the --allow KEY that accepts it. allow: the keys the user named
 * (a group or list key covers everything under it). -EPERM when one is
 * refused. file is for messages. */
int import_trust_check(const char *file, const struct sysc_conf *a, const struct sysc_conf *d,
		       char *const *allow);

/* Is key a valid --allow argument (a config key, group or list)? */
bool import_trust_key_valid(const char *key);
