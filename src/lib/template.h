/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Templates: executables sysc-<name> that fill a directory with a root
 * filesystem. Protocol (see templates/README.md):
 *   sysc-<name> cache-key [ARGS]                      -> key on stdout, or nothing
 *   sysc-<name> build --rootfs DIR [ARGS]             -> the cacheable rootfs
 *   sysc-<name> configure --rootfs DIR --name N [ARGS] -> per-container tweaks;
 *        stdout lines "KEY=VALUE" are config settings the template suggests
 * Templates run in a private mount and PID namespace tied to the caller's
 * life: if sysc-create dies (even by SIGKILL), the template and everything
 * it started die with it, and mounts it made vanish.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct sysc_paths;

/* Resolve a template name (or a path containing '/') to an executable. */
int template_find(const struct sysc_paths *p, const char *name, char **ret_exe);
/* Print the template's --help (its options) on stdout. */
int template_show_help(const struct sysc_paths *p, const char *name);
/* What cache-key said: the key ("" when the result must not be cached) and
 * the promises of its further lines (templates/README.md):
 *   key-depends=options   the key depends only on the template and ARGS, so
 *                         it is remembered in <cache>/.keys/ per template
 *                         file (path, inode, size, times) and ARGS, and the
 *                         template is not run again for it;
 *   configure=identity    configure would only write the host identity
 *                         (rootfs_identity_write()), which sysc does itself. */
struct template_key {
	char *key;
	bool configure_identity;
	/* the memo to write once the key proved good (template_key_remember) */
	char *memo_path, *memo;
	size_t memo_len;
};
void template_key_done(struct template_key *k);
/* Remember the key (when promised) after the cache it names was made or
 * found: a failed build leaves no memo behind. Best effort. */
void template_key_remember(const struct template_key *k);
/* cache_dir: where the remembered keys are kept (NULL: never remembered). */
int template_cache_key(const char *exe, char *const *args, const char *cache_dir,
		       struct template_key *ret);
int template_build(const char *exe, const char *rootfs, char *const *args);
/* ret_settings: NULL-terminated "KEY=VALUE" lines suggested by the template. */
int template_configure(const char *exe, const char *rootfs, const char *name, char *const *args,
		       char ***ret_settings);
