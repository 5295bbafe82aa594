/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A container's facts: what sysc records about it rather than what the user
 * set (uuid, idmap, rootfs.shifted: conf_key_is_fact()), kept in the file
 * "facts" beside its "config" (the same libconfig syntax), so the user's file
 * holds only the user's settings. A load merges the facts over the config (a
 * fact in both comes from facts). Containers made before the split keep
 * their facts in the config until the next write under the container's
 * lock moves them out (facts_migrate(); the rest of the text untouched).
 * This file is the only writer of facts files; callers hold the container's
 * lock (or own the entry, e.g. a create's work dir).
 */
#pragma once

#include <stdbool.h>

struct sysc_conf;
struct sysc_paths;

/* The facts file beside config_file (malloc'd), or NULL (no memory). */
char *facts_file_of(const char *config_file);
/* conf_load() of config_file with its facts merged. */
int facts_load_conf(const struct sysc_paths *p, const char *config_file, struct sysc_conf **ret);
/* Move facts still in config_file into its facts file: the facts file is
 * written first, then the config without them (text otherwise unchanged);
 * a crash in between leaves both, which loads the same. Returns how many
 * were moved, or -errno (logged). */
int facts_migrate(const struct sysc_paths *p, const char *config_file);
/* A container's config and facts, open to edit, the facts still in the
 * config moved into the facts (in the edits: nothing is written yet). */
struct facts_pair {
	struct conf_edit *cfg, *facts;
	char *config_file, *facts_file;
	int moved;	    /* facts moved out of the config */
	bool cfg_changed;   /* set by the caller: write the config */
	bool facts_changed; /* set by the caller: write the facts */
};
int facts_pair_open(const char *config_file, struct facts_pair *ret);
/* Write what changed: the facts first (between the two writes both hold
 * what moved, which loads the same), then the config (validated). */
int facts_pair_write(const struct sysc_paths *p, struct facts_pair *fp);
void facts_pair_done(struct facts_pair *fp);
/* key = value (NULL: unset) in the facts (in_facts) or the config of
 * config_file, written with the facts still in the config moved out. */
int facts_pair_edit(const struct sysc_paths *p, const char *config_file, bool in_facts,
		    const char *key, const char *value);
/* Record key = value (text as for conf_edit_set(); NULL: forget the fact)
 * for the container of config_file, after facts_migrate(). */
int facts_set(const struct sysc_paths *p, const char *config_file, const char *key,
	      const char *value);
