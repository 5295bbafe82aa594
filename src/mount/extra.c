/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The config's extra mounts (`mounts = ( { source; target; type; options; } )`):
 * bind mounts of host paths ("bind", "rbind", with "ro", "nosuid", ...) and
 * new filesystems (type "tmpfs" etc., other options go to fsconfig), attached
 * inside the root after the API filesystems, before pivot_root.
 *
 * Options understood here: ro rw nosuid suid nodev dev noexec exec noatime
 * relatime strictatime nodiratime defaults bind rbind optional (skip a bind
 * whose source is missing) create=dir|file (what to create as the target;
 * default: like the source, a directory for new filesystems).
 * Targets must be absolute without ".." and are resolved inside the root.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "mount/in-root.h"
#include "mount/mount-internal.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strv.h"

/* One config mount's options, split into mount attributes and the rest
 * (filesystem parameters, handed to fsconfig). */
struct extra_opts {
	unsigned set, clr;
	bool bind, rbind, optional, idmap;
	enum mount_create create; /* MOUNT_CREATE_NONE: decide from the source */
	char *fsopts;
};

static const struct {
	const char *name;
	unsigned set, clr;
} attr_options[] = {
	{"ro", MOUNT_ATTR_RDONLY, 0},
	{"rw", 0, MOUNT_ATTR_RDONLY},
	{"nosuid", MOUNT_ATTR_NOSUID, 0},
	{"suid", 0, MOUNT_ATTR_NOSUID},
	{"nodev", MOUNT_ATTR_NODEV, 0},
	{"dev", 0, MOUNT_ATTR_NODEV},
	{"noexec", MOUNT_ATTR_NOEXEC, 0},
	{"exec", 0, MOUNT_ATTR_NOEXEC},
	{"noatime", MOUNT_ATTR_NOATIME, MOUNT_ATTR__ATIME},
	{"relatime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME},
	{"strictatime", MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME},
	{"nodiratime", MOUNT_ATTR_NODIRATIME, 0},
	{"defaults", 0, 0},
};

static int parse_one_option(struct extra_opts *o, const char *opt, char ***fsopts)
{
	for (size_t i = 0; i < ARRAY_SIZE(attr_options); i++)
		if (strcmp(opt, attr_options[i].name) == 0) {
			o->set = (o->set & ~attr_options[i].clr) | attr_options[i].set;
			o->clr |= attr_options[i].clr;
			return 0;
		}
	if (strcmp(opt, "idmap") == 0)
		o->idmap = true;
	else if (strcmp(opt, "bind") == 0)
		o->bind = true;
	else if (strcmp(opt, "rbind") == 0)
		o->bind = o->rbind = true;
	else if (strcmp(opt, "optional") == 0)
		o->optional = true;
	else if (strcmp(opt, "create=dir") == 0)
		o->create = MOUNT_CREATE_DIR;
	else if (strcmp(opt, "create=file") == 0)
		o->create = MOUNT_CREATE_FILE;
	else
		return strv_push(fsopts, opt);
	return 0;
}

static int parse_extra_opts(const char *options, struct extra_opts *o)
{
	_cleanup_free_ char *copy = strdup(options ? options : "");
	_cleanup_strv_ char **fsopts = NULL;
	char *save = NULL;
	int r;

	if (!copy)
		return -ENOMEM;
	for (char *s = strtok_r(copy, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
		r = parse_one_option(o, s, &fsopts);
		if (r < 0)
			return r;
	}
	if (fsopts) {
		o->fsopts = strv_join(fsopts, ",");
		if (!o->fsopts)
			return -ENOMEM;
	}
	return 0;
}

static bool target_valid(const char *t)
{
	if (!t || t[0] != '/')
		return false;
	for (const char *s = t; (s = strstr(s, "..")); s += 2)
		if ((s == t || s[-1] == '/') && (s[2] == '/' || s[2] == '\0'))
			return false;
	return true;
}

/* The bind mount's detached tree (open_tree of the source with the mount
 * attributes, idmapped for userns_fd when asked). -ENODATA: an optional
 * source is missing (logged as info). */
static int bind_tree(const struct conf_mount *m, const struct extra_opts *o, int userns_fd)
{
	_cleanup_close_ int tree = -EBADF;
	struct stat st;
	int r;

	if (!m->source || m->source[0] != '/')
		return log_error_errno(-EINVAL, "bind mount on %s: source must be an absolute path",
				       m->target);
	if (o->fsopts)
		return log_error_errno(-EINVAL,
				       "bind mount %s on %s: option(s) \"%s\" are not "
				       "valid for a bind mount",
				       m->source, m->target, o->fsopts);
	if (o->idmap && userns_fd < 0)
		return log_error_errno(-EINVAL,
				       "bind mount %s on %s: option idmap needs an unprivileged "
				       "container (security.privileged = false)",
				       m->source, m->target);
	if (stat(m->source, &st) < 0) {
		if (errno == ENOENT && o->optional) {
			log_info("bind mount %s on %s: source missing, skipped (optional)",
				 m->source, m->target);
			return -ENODATA;
		}
		return log_error_errno(negative_errno(), "bind mount %s on %s: stat source: %m",
				       m->source, m->target);
	}
	tree = open_tree(AT_FDCWD, m->source,
			 OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (o->rbind ? AT_RECURSIVE : 0));
	if (tree < 0)
		return log_error_errno(negative_errno(), "bind mount %s on %s: open_tree: %m",
				       m->source, m->target);
	if (o->idmap) {
		struct mount_attr a = {.attr_set = MOUNT_ATTR_IDMAP,
				       .userns_fd = (uint64_t)userns_fd};
		if (mount_setattr(tree, "", AT_EMPTY_PATH | (o->rbind ? AT_RECURSIVE : 0), &a,
				  sizeof(a)) < 0)
			return log_error_errno(
				negative_errno(), "bind mount %s on %s: cannot idmap it: %m%s",
				m->source, m->target,
				errno == EINVAL ? " (the filesystem does not support "
						  "idmapped mounts)"
						: "");
	}
	r = mount_set_attr(tree, o->set, o->clr, o->rbind);
	if (r < 0)
		return log_error_errno(r, "bind mount %s on %s: mount_setattr: %m", m->source,
				       m->target);
	return TAKE_FD(tree);
}

static int extra_bind(const struct mount_ctx *ctx, const struct conf_mount *m,
		      const struct extra_opts *o, int prepared)
{
	_cleanup_close_ int tree = -EBADF;
	enum mount_create create = o->create;
	struct stat st;

	if (prepared >= 0) {
		tree = fcntl(prepared, F_DUPFD_CLOEXEC, 3);
		if (tree < 0)
			return log_error_errno(negative_errno(), "dup: %m");
	} else {
		tree = bind_tree(m, o, -1);
		if (tree == -ENODATA)
			return 0;
		if (tree < 0)
			return tree;
	}
	if (fstat(tree, &st) < 0)
		return log_error_errno(negative_errno(), "bind mount %s on %s: stat: %m", m->source,
				       m->target);
	if (create == MOUNT_CREATE_NONE)
		create = S_ISDIR(st.st_mode) ? MOUNT_CREATE_DIR : MOUNT_CREATE_FILE;
	return mount_attach(ctx, tree, m->source, m->target, create);
}

int mount_extra_bind_tree(const struct conf_mount *m, int userns_fd)
{
	struct extra_opts o = {0};
	int r = parse_extra_opts(m->options, &o);

	if (r < 0) {
		free(o.fsopts);
		return log_error_errno(r, "mount on %s: options: %m", m->target);
	}
	if (!(o.bind || !m->type || strcmp(m->type, "none") == 0))
		r = -ENODATA;
	else
		r = bind_tree(m, &o, userns_fd);
	free(o.fsopts);
	return r;
}

int mount_extra(const struct mount_ctx *ctx, const struct conf_mount *m, int prepared)
{
	struct extra_opts o = {0};
	bool bind;
	int r;

	if (!target_valid(m->target))
		return log_error_errno(-EINVAL,
				       "mount %s: target must be an absolute path inside the "
				       "container without \"..\" components",
				       m->target ? m->target : "(none)");
	r = parse_extra_opts(m->options, &o);
	if (r < 0) {
		free(o.fsopts);
		return log_error_errno(r, "mount on %s: options: %m", m->target);
	}
	bind = o.bind || !m->type || strcmp(m->type, "none") == 0;
	if (bind)
		r = extra_bind(ctx, m, &o, prepared);
	else
		r = mount_new_fs(ctx, m->type, m->source ? m->source : m->type, o.fsopts, o.set,
				 m->target,
				 o.create == MOUNT_CREATE_NONE ? MOUNT_CREATE_DIR : o.create);
	free(o.fsopts);
	return r;
}
