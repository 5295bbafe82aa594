/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/config-set.h"
#include "config/config.h"
#include "lib/facts.h"
#include "lib/lock.h"
#include "lib/paths.h"
#include "lib/store.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/proc.h"
#include "util/strv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
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

/* In the same write: facts still in the config move to the facts file; a
 * fact is unset there (sysc forgets it), any other key set or unset in the
 * config. */
static int edit_file(const struct sysc_paths *p, const char *file, const char *key,
		     const char *value)
{
	bool fact = conf_key_is_fact(key);

	return facts_pair_edit(p, file, fact, key, fact ? NULL : value);
}

/* -EPERM, logged, if key is fixed once the container is created, or a
 * fact sysc records (which may only be unset: forgotten). */
static int refuse_fixed(const char *name, const char *key, const char *value)
{
	if (value && conf_key_is_fact(key)) {
		log_error(
			"%s of %s is recorded by sysc (in its facts file, beside its config), not "
			"set with sysc-config (--unset %s makes sysc forget it)",
			key, name, key);
		return -EPERM;
	}
	if (!config_set_is_fixed(key))
		return 0;
	log_error("%s of %s cannot be changed after create", key, name);
	return -EPERM;
}

int config_set_key_unlocked(const struct sysc_paths *p, const char *name, const char *key,
			    const char *value)
{
	_cleanup_free_ char *file = NULL;
	int r = refuse_fixed(name, key, value);

	if (r < 0)
		return r;
	file = paths_container_config(p, name);
	if (!file)
		return log_error_errno(-ENOMEM, "out of memory");
	return edit_file(p, file, key, value);
}

/* The container's lock (an fd to close), after it is known to exist; or
 * -errno, reported. */
static int lock_existing(const struct sysc_paths *p, const char *name)
{
	_cleanup_close_ int lock = lock_container(p, name);
	int r;

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
	return TAKE_FD(lock);
}

int config_set_key(const struct sysc_paths *p, const char *name, const char *key, const char *value)
{
	_cleanup_close_ int lock = -EBADF;
	int r = refuse_fixed(name, key, value);

	if (r < 0)
		return r;
	lock = lock_existing(p, name);
	if (lock < 0)
		return lock;
	return config_set_key_unlocked(p, name, key, value);
}

/* $VISUAL, $EDITOR, sensible-editor or vi, through the shell (an editor may
 * be "emacs -nw"), on file, with the terminal. Its exit status, or -errno. */
static int run_editor(const char *file)
{
	const char *ed = getenv("VISUAL");
	_cleanup_free_ char *cmd = NULL;
	pid_t pid;
	int r;

	if (!ed || !*ed)
		ed = getenv("EDITOR");
	if (!ed || !*ed)
		ed = access("/usr/bin/sensible-editor", X_OK) == 0 ? "sensible-editor" : "vi";
	cmd = str_printf("%s \"$1\"", ed);
	if (!cmd)
		return log_error_errno(-ENOMEM, "out of memory");
	pid = fork();
	if (pid < 0)
		return log_error_errno(-errno, "cannot start the editor: %m");
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, "sh", file, (char *)NULL);
		_exit(127);
	}
	r = proc_wait_killable(pid);
	if (r < 0)
		return log_error_errno(r, "cannot wait for the editor: %m");
	r = proc_status_to_exit(r);
	if (r != 0)
		log_error("the editor (%s) failed (exit status %d): nothing written", ed, r);
	return r == 0 ? 0 : -ECANCELED;
}

/* No fact in the edited config (when the config held none before). */
static int refuse_facts(const char *edited, const char *facts)
{
	_cleanup_(conf_edit_freep) struct conf_edit *ed = NULL;
	int r = conf_edit_open(edited, &ed);

	for (const char *const *f = conf_fact_keys(); r == 0 && *f; f++)
		if (conf_edit_has(ed, *f)) {
			log_error("%s: %s: recorded by sysc (in %s), not a setting of the config",
				  edited, *f, facts);
			r = -EINVAL;
		}
	return r;
}

/* The edited config is valid (as a load of the container sees it, with its
 * facts), holds no facts if it held none, and its fixed keys are
 * unchanged. */
static int check_edited(const struct sysc_paths *p, const char *name, const char *orig,
			const char *edited, bool no_facts)
{
	_cleanup_(conf_freep) struct sysc_conf *before = NULL, *after = NULL;
	_cleanup_free_ char *facts = facts_file_of(orig);
	int r = facts ? 0 : -ENOMEM;

	if (r == 0 && no_facts)
		r = refuse_facts(edited, facts);
	if (r == 0)
		r = conf_load_facts(p->default_conf, edited, facts, &after);
	if (r < 0)
		return r;
	if (!after->name || strcmp(after->name, name) != 0) {
		log_error("%s: name: must stay \"%s\" (fixed at create)", edited, name);
		return -EINVAL;
	}
	/* a broken config may be fixed: the old backend if it can be read */
	if (conf_load_facts(p->default_conf, orig, facts, &before) == 0 && before->rootfs.backend &&
	    (!after->rootfs.backend || strcmp(before->rootfs.backend, after->rootfs.backend))) {
		log_error("%s: rootfs.backend: must stay \"%s\" (fixed at create)", edited,
			  before->rootfs.backend);
		return -EINVAL;
	}
	return 0;
}

/* After an invalid edit: another go? Only asked on a terminal. */
static bool ask_again(void)
{
	char line[64];

	if (!isatty(STDIN_FILENO))
		return false;
	fprintf(stderr, "edit again? [Y/n] ");
	fflush(stderr);
	if (!fgets(line, sizeof(line), stdin))
		return false;
	return line[0] != 'n' && line[0] != 'N';
}

static int edit_loop(const struct sysc_paths *p, const char *name, const char *file,
		     const char *tmp, const char *orig, bool no_facts)
{
	for (;;) {
		_cleanup_free_ char *text = NULL;
		size_t len;
		int r = run_editor(tmp);

		if (r < 0)
			return r;
		r = fileio_read_at(AT_FDCWD, tmp, &text, &len);
		if (r < 0)
			return log_error_errno(r, "%s: cannot read: %m", tmp);
		if (strcmp(text, orig) == 0) {
			log_info("%s: no change", file);
			return 0;
		}
		r = strlen(text) == len ? check_edited(p, name, file, tmp, no_facts) : -EINVAL;
		if (r == 0) {
			r = fileio_write_atomic_at(AT_FDCWD, file, text, len, 0644);
			if (r < 0)
				return log_error_errno(r, "%s: cannot write: %m", file);
			return 0;
		}
		if (strlen(text) != len)
			log_error("%s: contains a NUL byte", tmp);
		if (!ask_again()) {
			log_error("%s: not changed (the edit is invalid)", file);
			return -EINVAL;
		}
	}
}

int config_edit(const struct sysc_paths *p, const char *name)
{
	_cleanup_close_ int lock = -EBADF, fd = -EBADF;
	_cleanup_free_ char *file = NULL, *orig = NULL, *tmp = NULL;
	const char *dir = getenv("TMPDIR");
	bool no_facts;
	size_t len;
	int r;

	lock = lock_existing(p, name);
	if (lock < 0)
		return lock;
	file = paths_container_config(p, name);
	if (!file)
		return log_error_errno(-ENOMEM, "out of memory");
	/* the user edits only their own settings: facts out first (a config
	 * too broken to move them is edited as it is) */
	r = facts_migrate(p, file);
	if (r < 0)
		log_warn("%s: facts not moved out, the config is edited as it is", file);
	no_facts = r >= 0;
	r = fileio_read_at(AT_FDCWD, file, &orig, &len);
	if (r < 0)
		return log_error_errno(r, "%s: cannot read: %m", file);
	/* a copy to edit, named after the container (the editor shows it) */
	tmp = str_printf("%s/sysc-%s.XXXXXX.conf", dir && *dir ? dir : "/tmp", name);
	if (!tmp)
		return log_error_errno(-ENOMEM, "out of memory");
	fd = mkostemps(tmp, 5, O_CLOEXEC);
	if (fd < 0)
		return log_error_errno(-errno, "%s: cannot create: %m", tmp);
	r = fileio_write_all(fd, orig, len);
	if (r < 0)
		log_error_errno(r, "%s: cannot write: %m", tmp);
	else
		r = edit_loop(p, name, file, tmp, orig, no_facts);
	unlink(tmp);
	return r;
}
