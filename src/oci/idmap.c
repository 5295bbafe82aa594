/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The idmapped rootfs of a container with a user namespace of its own: the
 * client hands over a tree owned by the host's ids (an image unpacked as
 * root); the container's root must see it as its own. create (on the host,
 * privileged) makes a detached tree idmapped for the container's user
 * namespace and passes it to init, which attaches it over root.path.
 * An overlay mount cannot be idmapped, its layers can: the overlay is made
 * again over idmapped clones of its lower layers and of the directory that
 * holds its upper and work directories (as src/storage/overlay.c does).
 */
#include "oci/oci.h"
#include "config/config.h"
#include "storage/storage.h"
#include "userns/shift.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strv.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#ifndef SECBIT_NO_SETUID_FIXUP
#define SECBIT_NO_SETUID_FIXUP (1 << 2)
#endif

/* The host id container id 0 maps to; -1 when 0 is not mapped. */
static long long host_root(const struct oci_idmap *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (m[i].container_id == 0)
			return m[i].host_id;
	return -1;
}

/* mountinfo's octal escapes (\040 ...) undone in place */
static void unescape(char *s)
{
	char *w = s;

	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] && r[3]) {
			*w++ = (char)(((r[1] - '0') << 6) | ((r[2] - '0') << 3) | (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

/* The super options ("lowerdir=...,upperdir=...") of the mount at path
 * (the last match: the mount on top) */
static int overlay_options(const char *path, char **ret)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	_cleanup_free_ char *line = NULL, *real = realpath(path, NULL);
	size_t cap = 0;

	if (!f || !real)
		return log_error_errno(negative_errno(), "cannot look up the mount of %s: %m",
				       path);
	*ret = NULL;
	while (getline(&line, &cap, f) > 0) {
		_cleanup_free_ char *mp = NULL, *super = NULL;
		const char *sep = strstr(line, " - ");

		if (!sep || sscanf(line, "%*s %*s %*s %*s %ms", &mp) != 1 ||
		    sscanf(sep + 3, "%*s %*s %ms", &super) != 1)
			continue;
		unescape(mp);
		if (strcmp(mp, real))
			continue;
		free(*ret);
		*ret = super;
		super = NULL;
	}
	if (!*ret)
		return log_error_errno(-ENOENT, "%s is not a mount point (an overlay root must be)",
				       path);
	return 0;
}

/* s split at sep (no empty items) */
static char **split(const char *s, char sep)
{
	_cleanup_free_ char *copy = strdup(s);
	char **v = calloc(1, sizeof(char *)), *p, *next;

	if (!copy || !v) {
		free(v);
		return NULL;
	}
	for (p = copy; p; p = next) {
		next = strchr(p, sep);
		if (next)
			*next++ = '\0';
		if (*p && strv_push(&v, p) < 0) {
			strv_free(v);
			return NULL;
		}
	}
	return v;
}

/* fsconfig a string or a flag ("index=off", "userxattr") */
static int set_option(int fsfd, const char *opt)
{
	_cleanup_free_ char *key = strdup(opt);
	char *eq;

	if (!key)
		return -ENOMEM;
	eq = strchr(key, '=');
	if (eq)
		*eq = '\0';
	if (fsconfig(fsfd, eq ? FSCONFIG_SET_STRING : FSCONFIG_SET_FLAG, key, eq ? eq + 1 : NULL,
		     0) < 0)
		return negative_errno();
	return 0;
}

/* The overlay is made with the mapped root's fsuid/fsgid (capabilities
 * kept): it creates its work files with the mounter's ids, which must be
 * mapped through the idmapped layers. */
static int create_as(int fsfd, uid_t uid, gid_t gid)
{
	int bits = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0), r = 0;

	if (bits < 0 || prctl(PR_SET_SECUREBITS, bits | SECBIT_NO_SETUID_FIXUP, 0, 0, 0) < 0)
		return negative_errno();
	setfsgid(gid);
	setfsuid(uid);
	if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		r = negative_errno();
	setfsuid(0);
	setfsgid(0);
	prctl(PR_SET_SECUREBITS, bits, 0, 0, 0);
	return r;
}

struct layers {
	int fds[128];
	size_t n;
};

static void layers_close(struct layers *l)
{
	for (size_t i = 0; i < l->n; i++)
		close(l->fds[i]);
	l->n = 0;
}

/* an idmapped clone of dir; its path through /proc/self/fd appended to *s */
static int add_layer(struct layers *l, const char *dir, int userns, const char *sep,
		     const char *sub, char **s)
{
	_cleanup_free_ char *what = str_printf("the overlay layer %s", dir);
	char *n;
	int fd;

	if (!what)
		return -ENOMEM;
	if (l->n == sizeof(l->fds) / sizeof(*l->fds))
		return log_error_errno(-E2BIG, "the overlay has too many layers to idmap");
	fd = storage_idmap_clone(AT_FDCWD, dir, userns, what);
	if (fd < 0)
		return fd;
	l->fds[l->n++] = fd;
	n = str_printf("%s%s/proc/self/fd/%d%s%s", *s ? *s : "", *s ? sep : "", fd, sub ? "/" : "",
		       sub ? sub : "");
	if (!n)
		return -ENOMEM;
	free(*s);
	*s = n;
	return 0;
}

static int idmapped_overlay(const char *root, int userns, uid_t uid, gid_t gid, int *ret_tree)
{
	_cleanup_free_ char *super = NULL, *lower = NULL, *upper_dir = NULL, *upper = NULL,
			    *work = NULL, *upper_opt = NULL, *work_opt = NULL;
	_cleanup_strv_ char **opts = NULL, **extra = NULL;
	_cleanup_close_ int fsfd = -EBADF;
	struct layers l = {.n = 0};
	int r, tree;

	r = overlay_options(root, &super);
	if (r < 0)
		return r;
	opts = split(super, ',');
	if (!opts)
		return -ENOMEM;
	extra = calloc(1, sizeof(char *));
	if (!extra)
		return -ENOMEM;
	for (size_t i = 0; opts[i]; i++) {
		const char *o = opts[i];

		if (!strncmp(o, "lowerdir=", 9)) {
			_cleanup_strv_ char **dirs = split(o + 9, ':');

			if (!dirs)
				return -ENOMEM;
			for (size_t k = 0; dirs[k]; k++) {
				unescape(dirs[k]);
				r = add_layer(&l, dirs[k], userns, ":", NULL, &lower);
				if (r < 0)
					goto out;
			}
		} else if (!strncmp(o, "upperdir=", 9)) {
			upper = strdup(o + 9);
		} else if (!strncmp(o, "workdir=", 8)) {
			work = strdup(o + 8);
		} else if (strcmp(o, "rw") && strcmp(o, "ro") && strv_push(&extra, o) < 0) {
			r = -ENOMEM;
			goto out;
		}
	}
	r = -EINVAL;
	if (!lower) {
		log_error("the overlay on %s has no lowerdir", root);
		goto out;
	}
	if (upper) {
		/* upper and work must stay on one mount: their parent, cloned */
		_cleanup_free_ char *a = strdup(upper), *b = work ? strdup(work) : NULL;

		r = -ENOMEM;
		if (!a || (work && !b))
			goto out;
		unescape(a);
		upper_dir = strdup(dirname(a));
		if (!upper_dir)
			goto out;
		r = -EINVAL;
		if (!b || strcmp(dirname(b), upper_dir)) {
			log_error(
				"the overlay on %s: upperdir and workdir are not in one directory",
				root);
			goto out;
		}
		unescape(upper);
		unescape(work);
		r = add_layer(&l, upper_dir, userns, "", basename(upper), &upper_opt);
		if (r == 0)
			r = (work_opt = str_printf("/proc/self/fd/%d/%s", l.fds[l.n - 1],
						   basename(work)))
				    ? 0
				    : -ENOMEM;
		if (r < 0)
			goto out;
	}
	fsfd = fsopen("overlay", FSOPEN_CLOEXEC);
	if (fsfd < 0) {
		r = log_error_errno(negative_errno(), "fsopen overlay: %m");
		goto out;
	}
	r = fsconfig(fsfd, FSCONFIG_SET_STRING, "lowerdir", lower, 0) < 0 ? negative_errno() : 0;
	if (r == 0 && upper_opt)
		r = fsconfig(fsfd, FSCONFIG_SET_STRING, "upperdir", upper_opt, 0) < 0 ||
				    fsconfig(fsfd, FSCONFIG_SET_STRING, "workdir", work_opt, 0) < 0
			    ? negative_errno()
			    : 0;
	for (size_t i = 0; r == 0 && extra[i]; i++)
		r = set_option(fsfd, extra[i]);
	if (r == 0)
		r = create_as(fsfd, uid, gid);
	if (r < 0) {
		log_error_errno(r, "cannot make the overlay of %s again over idmapped layers: %m",
				root);
		goto out;
	}
	tree = fsmount(fsfd, FSMOUNT_CLOEXEC, 0);
	if (tree < 0) {
		r = log_error_errno(negative_errno(), "fsmount of the idmapped overlay: %m");
		goto out;
	}
	*ret_tree = tree;
	r = 0;
out:
	layers_close(&l);
	return r;
}

static int open_userns(pid_t pid)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? log_error_errno(negative_errno(), "cannot open %s: %m", path) : fd;
}

int oci_idmapped_bind(const struct oci_mount *m, pid_t pid, int *ret_tree)
{
	_cleanup_close_ int userns = open_userns(pid), tree = -EBADF;
	struct mount_attr attr = {.attr_set = m->attr_set | MOUNT_ATTR_IDMAP,
				  .attr_clr = m->attr_clr};

	if (userns < 0)
		return userns;
	tree = open_tree(AT_FDCWD, m->source,
			 OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (m->rbind ? AT_RECURSIVE : 0));
	if (tree < 0)
		return log_error_errno(negative_errno(), "bind mount %s on %s: %m", m->source,
				       m->destination);
	attr.userns_fd = (uint64_t)userns;
	/* the access time modes are one field */
	if ((attr.attr_set | attr.attr_clr) & (MOUNT_ATTR_NOATIME | MOUNT_ATTR_STRICTATIME))
		attr.attr_clr |= MOUNT_ATTR__ATIME;
	if (mount_setattr(tree, "", AT_EMPTY_PATH | (m->rbind ? AT_RECURSIVE : 0), &attr,
			  sizeof(attr)) < 0)
		return log_error_errno(negative_errno(),
				       "cannot make an idmapped mount of %s: %m%s", m->source,
				       errno == EINVAL ? " (its filesystem does not support "
							 "idmapped mounts)"
						       : "");
	*ret_tree = tree;
	tree = -EBADF;
	return 0;
}

/* The fallback where the root's filesystem cannot be idmapped: its owners
 * are shifted on disk from the host's ids to the container's (once: the
 * next create finds the root owned by the mapped root). */
static int shift_root(const struct oci_spec *s)
{
	_cleanup_free_ struct conf_idmap *to =
		calloc(s->n_uid_mappings + s->n_gid_mappings + 1, sizeof(*to));
	struct userns_shift shift = {.to = to};
	_cleanup_close_ int fd = -EBADF;
	long n;
	int r;

	if (!to)
		return -ENOMEM;
	for (size_t i = 0; i < s->n_uid_mappings; i++)
		to[shift.n_to++] =
			(struct conf_idmap){'u', s->uid_mappings[i].container_id,
					    s->uid_mappings[i].host_id, s->uid_mappings[i].size};
	for (size_t i = 0; i < s->n_gid_mappings; i++)
		to[shift.n_to++] =
			(struct conf_idmap){'g', s->gid_mappings[i].container_id,
					    s->gid_mappings[i].host_id, s->gid_mappings[i].size};
	r = userns_shift_check(&shift, "the rootfs");
	if (r <= 0)
		return r;
	fd = open(s->root_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return log_error_errno(negative_errno(), "cannot open the root %s: %m",
				       s->root_path);
	log_info("%s cannot be idmapped (its filesystem has no idmapped mounts): "
		 "shifting its owners to the container's ids",
		 s->root_path);
	n = userns_shift_tree(&shift, fd, s->root_path);
	return n < 0 ? (int)n : 0;
}

int oci_idmapped_root(const struct oci_spec *s, pid_t pid, int *ret_tree)
{
	long long uid = host_root(s->uid_mappings, s->n_uid_mappings);
	long long gid = host_root(s->gid_mappings, s->n_gid_mappings);
	_cleanup_close_ int userns = -EBADF;
	struct statfs sfs;
	struct stat st;
	int tree;

	*ret_tree = -EBADF;
	if (uid < 0 || gid < 0 || stat(s->root_path, &st) < 0 || statfs(s->root_path, &sfs) < 0)
		return 0; /* (what is wrong is told by the root's setup) */
	/* already owned by the mapped ids (podman --uidmap shifts its copy) */
	if (st.st_uid == (uid_t)uid)
		return 0;
	userns = open_userns(pid);
	if (userns < 0)
		return userns;
	if ((unsigned long)sfs.f_type == OVERLAYFS_SUPER_MAGIC)
		return idmapped_overlay(s->root_path, userns, (uid_t)uid, (gid_t)gid, ret_tree);
	tree = open_tree(AT_FDCWD, s->root_path,
			 OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	if (tree < 0)
		return log_error_errno(negative_errno(), "cannot clone the mount of %s: %m",
				       s->root_path);
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns};
	if (mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) == 0) {
		*ret_tree = tree;
		return 0;
	}
	close(tree);
	/* EINVAL: a filesystem without idmapped mounts (FUSE, 9p, NFS) */
	if (errno != EINVAL)
		return log_error_errno(negative_errno(), "cannot make an idmapped mount of %s: %m",
				       s->root_path);
	return shift_root(s);
}
